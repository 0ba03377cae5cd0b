namespace IamDb.Aws.Arns;

/// <summary>Factories for the ARN forms IamDb issues. Invalid arguments are programming errors and throw.</summary>
internal sealed partial record Arn
{
    /// <summary><c>arn:aws:iam::ACCOUNT:user/PATHNAME</c>.</summary>
    public static Arn IamUser(string account, string path, string name, string partition = AwsPartitions.Aws) =>
        IamEntity(IamEntityType.User, account, path, name, partition);

    /// <summary><c>arn:aws:iam::ACCOUNT:group/PATHNAME</c>.</summary>
    public static Arn IamGroup(string account, string path, string name, string partition = AwsPartitions.Aws) =>
        IamEntity(IamEntityType.Group, account, path, name, partition);

    /// <summary><c>arn:aws:iam::ACCOUNT:role/PATHNAME</c>.</summary>
    public static Arn IamRole(string account, string path, string name, string partition = AwsPartitions.Aws) =>
        IamEntity(IamEntityType.Role, account, path, name, partition);

    /// <summary><c>arn:aws:iam::ACCOUNT:policy/PATHNAME</c>; <paramref name="account"/> may be <c>aws</c> (AWS managed).</summary>
    public static Arn IamPolicy(string account, string path, string name, string partition = AwsPartitions.Aws) =>
        IamEntity(IamEntityType.Policy, account, path, name, partition);

    /// <summary>An IAM entity ARN of any <paramref name="type"/>.</summary>
    public static Arn IamEntity(IamEntityType type, string account, string path, string name, string partition = AwsPartitions.Aws)
    {
        RequireAccount(account, allowAwsManaged: type == IamEntityType.Policy);
        var pathError = IamPath.Validate(path);
        if (pathError is not null)
        {
            throw new ArgumentException(pathError, nameof(path));
        }

        RequireSegment(name, nameof(name));
        return Create(partition, "iam", string.Empty, account, $"{TypePrefix(type)}{path}{name}");
    }

    /// <summary>The account root, <c>arn:aws:iam::ACCOUNT:root</c>.</summary>
    public static Arn IamRoot(string account, string partition = AwsPartitions.Aws)
    {
        RequireAccount(account, allowAwsManaged: false);
        return Create(partition, "iam", string.Empty, account, "root");
    }

    /// <summary>An assumed-role session, <c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c> (the role's path is dropped).</summary>
    public static Arn StsAssumedRole(string account, string roleName, string sessionName, string partition = AwsPartitions.Aws)
    {
        RequireAccount(account, allowAwsManaged: false);
        RequireSegment(roleName, nameof(roleName));
        RequireSegment(sessionName, nameof(sessionName));
        return Create(partition, "sts", string.Empty, account, $"assumed-role/{roleName}/{sessionName}");
    }

    /// <summary>A federated user, <c>arn:aws:sts::ACCOUNT:federated-user/NAME</c>.</summary>
    public static Arn StsFederatedUser(string account, string name, string partition = AwsPartitions.Aws)
    {
        RequireAccount(account, allowAwsManaged: false);
        RequireSegment(name, nameof(name));
        return Create(partition, "sts", string.Empty, account, $"federated-user/{name}");
    }

    /// <summary><c>arn:aws:redshift:REGION:ACCOUNT:cluster:CLUSTER</c>.</summary>
    public static Arn RedshiftCluster(string region, string account, string cluster, string partition = AwsPartitions.Aws)
    {
        RequireRegion(region);
        RequireAccount(account, allowAwsManaged: false);
        RequireSegment(cluster, nameof(cluster));
        return Create(partition, "redshift", region, account, $"cluster:{cluster}");
    }

    /// <summary><c>arn:aws:redshift:REGION:ACCOUNT:dbuser:CLUSTER/USER</c> (the user as requested, without <c>IAM:</c>).</summary>
    public static Arn RedshiftDbUser(string region, string account, string cluster, string dbUser, string partition = AwsPartitions.Aws) =>
        RedshiftClusterScoped("dbuser", region, account, cluster, dbUser, nameof(dbUser), partition);

    /// <summary><c>arn:aws:redshift:REGION:ACCOUNT:dbname:CLUSTER/DATABASE</c>.</summary>
    public static Arn RedshiftDbName(string region, string account, string cluster, string dbName, string partition = AwsPartitions.Aws) =>
        RedshiftClusterScoped("dbname", region, account, cluster, dbName, nameof(dbName), partition);

    /// <summary><c>arn:aws:redshift:REGION:ACCOUNT:dbgroup:CLUSTER/GROUP</c>.</summary>
    public static Arn RedshiftDbGroup(string region, string account, string cluster, string dbGroup, string partition = AwsPartitions.Aws) =>
        RedshiftClusterScoped("dbgroup", region, account, cluster, dbGroup, nameof(dbGroup), partition);

    private static Arn RedshiftClusterScoped(
        string kind, string region, string account, string cluster, string name, string paramName, string partition)
    {
        RequireRegion(region);
        RequireAccount(account, allowAwsManaged: false);
        RequireSegment(cluster, nameof(cluster));
        RequireSegment(name, paramName);
        return Create(partition, "redshift", region, account, $"{kind}:{cluster}/{name}");
    }

    private static Arn Create(string partition, string service, string region, string account, string resource)
    {
        var error = CheckPartition(partition ?? string.Empty);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(partition));
        }

        var arn = new Arn(partition!, service, region, account, resource);
        if (arn.ToString().Length > MaxLength)
        {
            throw new ArgumentException($"the ARN would be longer than {MaxLength} characters", nameof(resource));
        }

        return arn;
    }

    private static void RequireAccount(string account, bool allowAwsManaged)
    {
        if (!IsAccountId(account) && !(allowAwsManaged && account == AwsManagedAccount))
        {
            throw new ArgumentException("the account must be a 12-digit account id", nameof(account));
        }
    }

    private static void RequireRegion(string region)
    {
        if (string.IsNullOrEmpty(region) || !IsLowerAlnumDash(region))
        {
            throw new ArgumentException("the region must be a region name such as us-east-1", nameof(region));
        }
    }

    /// <summary>A name that sits between slashes: non-empty, no '/', no control characters.</summary>
    private static void RequireSegment(string value, string paramName)
    {
        if (string.IsNullOrEmpty(value) || value.Contains('/', StringComparison.Ordinal) || value.Any(char.IsControl))
        {
            throw new ArgumentException("the name must be non-empty and contain no '/' or control characters", paramName);
        }
    }

    private static string TypePrefix(IamEntityType type) => type switch
    {
        IamEntityType.User => "user",
        IamEntityType.Group => "group",
        IamEntityType.Role => "role",
        IamEntityType.Policy => "policy",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
