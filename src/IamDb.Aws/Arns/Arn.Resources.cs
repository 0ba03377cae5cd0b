using System.Diagnostics.CodeAnalysis;

namespace IamDb.Aws.Arns;

/// <summary>Typed readings of the resource part for the services IamDb serves.</summary>
internal sealed partial record Arn
{
    /// <summary>True for <c>arn:…:iam::ACCOUNT:root</c>.</summary>
    public bool IsIamRoot => Service == "iam" && Region.Length == 0 && IsAccountId(Account) && Resource == "root";

    /// <summary>
    /// Reads <c>iam</c> <c>user|group|role|policy/PATH/NAME</c>: <paramref name="path"/> is <c>/</c> or
    /// <c>/a/b/</c>, <paramref name="name"/> the last segment.
    /// </summary>
    public bool TryGetIamEntity(out IamEntityType type, [NotNullWhen(true)] out string? path, [NotNullWhen(true)] out string? name)
    {
        type = default;
        path = null;
        name = null;
        if (Service != "iam" || Region.Length != 0)
        {
            return false;
        }

        var slash = Resource.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return false;
        }

        IamEntityType? parsed = Resource.AsSpan(0, slash) switch
        {
            "user" => IamEntityType.User,
            "group" => IamEntityType.Group,
            "role" => IamEntityType.Role,
            "policy" => IamEntityType.Policy,
            _ => null,
        };
        if (parsed is null || (Account == AwsManagedAccount && parsed != IamEntityType.Policy) || Account.Length == 0)
        {
            return false;
        }

        var last = Resource.LastIndexOf('/');
        var candidatePath = Resource[slash..(last + 1)];
        var candidateName = Resource[(last + 1)..];
        if (candidateName.Length == 0 || !IamPath.IsValid(candidatePath))
        {
            return false;
        }

        type = parsed.Value;
        path = candidatePath;
        name = candidateName;
        return true;
    }

    /// <summary>Reads <c>sts</c> <c>assumed-role/ROLE/SESSION</c>.</summary>
    public bool TryGetStsAssumedRole([NotNullWhen(true)] out string? roleName, [NotNullWhen(true)] out string? sessionName)
    {
        roleName = null;
        sessionName = null;
        if (Service != "sts" || !IsAccountId(Account) || !Resource.StartsWith("assumed-role/", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = Resource.Split('/');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return false;
        }

        roleName = parts[1];
        sessionName = parts[2];
        return true;
    }

    /// <summary>Reads <c>sts</c> <c>federated-user/NAME</c>.</summary>
    public bool TryGetStsFederatedUser([NotNullWhen(true)] out string? name)
    {
        name = null;
        const string Prefix = "federated-user/";
        if (Service != "sts" || !IsAccountId(Account) || !Resource.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = Resource[Prefix.Length..];
        if (rest.Length == 0 || rest.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        name = rest;
        return true;
    }

    /// <summary>Reads <c>redshift</c> <c>cluster:NAME</c>.</summary>
    public bool TryGetRedshiftCluster([NotNullWhen(true)] out string? cluster)
    {
        cluster = null;
        const string Prefix = "cluster:";
        if (!IsRegionalRedshift() || !Resource.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = Resource[Prefix.Length..];
        if (rest.Length == 0 || rest.Contains('/', StringComparison.Ordinal))
        {
            return false;
        }

        cluster = rest;
        return true;
    }

    /// <summary>Reads <c>redshift</c> <c>dbuser:CLUSTER/USER</c> (the user may contain <c>:</c>, e.g. <c>IAM:adam</c>).</summary>
    public bool TryGetRedshiftDbUser([NotNullWhen(true)] out string? cluster, [NotNullWhen(true)] out string? dbUser) =>
        TryGetRedshiftClusterScoped("dbuser:", out cluster, out dbUser);

    /// <summary>Reads <c>redshift</c> <c>dbname:CLUSTER/DATABASE</c>.</summary>
    public bool TryGetRedshiftDbName([NotNullWhen(true)] out string? cluster, [NotNullWhen(true)] out string? dbName) =>
        TryGetRedshiftClusterScoped("dbname:", out cluster, out dbName);

    /// <summary>Reads <c>redshift</c> <c>dbgroup:CLUSTER/GROUP</c>.</summary>
    public bool TryGetRedshiftDbGroup([NotNullWhen(true)] out string? cluster, [NotNullWhen(true)] out string? dbGroup) =>
        TryGetRedshiftClusterScoped("dbgroup:", out cluster, out dbGroup);

    private bool TryGetRedshiftClusterScoped(string prefix, [NotNullWhen(true)] out string? cluster, [NotNullWhen(true)] out string? name)
    {
        cluster = null;
        name = null;
        if (!IsRegionalRedshift() || !Resource.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = Resource.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest[(slash + 1)..].Contains('/'))
        {
            return false;
        }

        cluster = rest[..slash].ToString();
        name = rest[(slash + 1)..].ToString();
        return true;
    }

    private bool IsRegionalRedshift() => Service == "redshift" && Region.Length > 0 && IsAccountId(Account);
}
