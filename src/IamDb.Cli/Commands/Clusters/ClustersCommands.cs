using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using Spectre.Console;

namespace IamDb.Cli.Commands.Clusters;

/// <summary>The handlers of <c>iamdb clusters …</c>: IamDb's cluster actions on the broker.</summary>
internal static class ClustersCommands
{
    public static async Task<int> AddAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        var variable = parseResult.GetRequiredValue(ClustersCommandDefinition.AdminPasswordEnvOption);
        var password = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(password))
        {
            throw new CliUsageException($"the environment variable {variable} (named by --admin-password-env) is not set or empty; export the admin password in it.");
        }

        var port = parseResult.GetValue(ClustersCommandDefinition.PortOption);
        if (port is < 1 or > 65535)
        {
            throw new CliUsageException($"--port must be from 1 to 65535, not {port}.");
        }

        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "RegisterCluster")
            .Add("ClusterIdentifier", name)
            .Add("Host", parseResult.GetRequiredValue(ClustersCommandDefinition.HostOption))
            .Add("Port", port)
            .Add("DBName", parseResult.GetRequiredValue(ClustersCommandDefinition.DatabaseOption))
            .Add("MasterUsername", parseResult.GetRequiredValue(ClustersCommandDefinition.AdminUserOption))
            .Add("MasterUserPassword", password);
        var tags = parseResult.GetValue(ClustersCommandDefinition.TagOption) ?? [];
        for (var i = 0; i < tags.Length; i++)
        {
            var eq = tags[i].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"--tag wants KEY=VALUE, not '{tags[i]}'.");
            }

            request.Add($"Tags.Tag.{i + 1}.Key", tags[i][..eq]).Add($"Tags.Tag.{i + 1}.Value", tags[i][(eq + 1)..]);
        }

        AddSecuritySettings(parseResult, request, update: false);

        var response = await context.SpinAsync($"Registering {name} (the broker connects and prepares it)...", () => connection.CallAsync(request, ct));
        var cluster = RedshiftCluster.FromXml(response, response.Result.Child("Cluster") ?? throw new InvalidDataException("RegisterCluster answered without Cluster."));
        var skipped = SkippedDatabasesOutput.Read(response.Result);
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Cluster"] = ToJson(cluster), ["SkippedDatabases"] = SkippedDatabasesOutput.ToJson(skipped) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Registered cluster [bold]{cluster.ClusterIdentifier}[/] at {cluster.Endpoint?.Address}:{cluster.Endpoint?.Port} (database {cluster.DBName}, TLS {cluster.SslMode ?? "?"}).");
            SkippedDatabasesOutput.Print(context.Console, skipped);
            context.Console.MarkupLineInterpolated($"Next: iamdb clusters test {cluster.ClusterIdentifier}; iamdb clusters disable-passwords {cluster.ClusterIdentifier} --dry-run");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> UpdateAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "UpdateCluster").Add("ClusterIdentifier", name);
        var changes = AddSecuritySettings(parseResult, request, update: true);
        if (parseResult.GetValue(ClustersCommandDefinition.AdminPasswordEnvUpdateOption) is { } variable)
        {
            var password = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(password))
            {
                throw new CliUsageException($"the environment variable {variable} (named by --admin-password-env) is not set or empty; export the new admin password in it.");
            }

            request.Add("MasterUserPassword", password);
            changes++;
        }

        if (changes == 0)
        {
            throw new CliUsageException(
                "nothing to update: give --ssl-mode, --ssl-root-cert, --no-ssl-root-cert, --allowed-db-groups, --allow-privileged-db-users or --admin-password-env.");
        }

        var response = await context.SpinAsync($"Updating {name} (the broker tests a changed connection first)...", () => connection.CallAsync(request, ct));
        var cluster = RedshiftCluster.FromXml(response, response.Result.Child("Cluster") ?? throw new InvalidDataException("UpdateCluster answered without Cluster."));
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Cluster"] = ToJson(cluster) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Updated cluster [bold]{cluster.ClusterIdentifier}[/]: TLS {cluster.SslMode ?? "?"}, allowed groups {Groups(cluster)}, privileged users {(cluster.AllowPrivilegedDbUsers == true ? "allowed" : "refused")}.");
        }

        return ExitCodes.Ok;
    }

    // The security settings of add and update; returns how many were given.
    private static int AddSecuritySettings(ParseResult parseResult, AwsQueryRequest request, bool update)
    {
        var count = 0;
        if (parseResult.GetValue(ClustersCommandDefinition.SslModeOption) is { } mode)
        {
            if (mode is not ("require" or "verify-ca" or "verify-full"))
            {
                throw new CliUsageException($"--ssl-mode must be require, verify-ca or verify-full, not '{mode}'.");
            }

            request.Add("SslMode", mode);
            count++;
        }

        var noRoot = update && parseResult.GetValue(ClustersCommandDefinition.NoSslRootCertOption);
        if (parseResult.GetValue(ClustersCommandDefinition.SslRootCertOption) is { } file)
        {
            if (noRoot)
            {
                throw new CliUsageException("--ssl-root-cert and --no-ssl-root-cert contradict each other; give one.");
            }

            string pem;
            try
            {
                pem = File.ReadAllText(file.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliUsageException($"--ssl-root-cert: cannot read {file.FullName}: {e.Message}");
            }

            if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new CliUsageException($"--ssl-root-cert: {file.FullName} holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
            }

            request.Add("SslRootCertificate", pem);
            count++;
        }
        else if (noRoot)
        {
            request.Add("SslRootCertificate", string.Empty);
            count++;
        }

        if (parseResult.GetResult(ClustersCommandDefinition.AllowedDbGroupsOption) is { Implicit: false })
        {
            var groups = parseResult.GetValue(ClustersCommandDefinition.AllowedDbGroupsOption) ?? [];
            if (groups.Length > 0 || update)
            {
                request.AddList("AllowedDbGroups", groups);
                count++;
            }
        }

        if (parseResult.GetResult(ClustersCommandDefinition.AllowPrivilegedDbUsersOption) is { Implicit: false })
        {
            request.Add("AllowPrivilegedDbUsers", parseResult.GetValue(ClustersCommandDefinition.AllowPrivilegedDbUsersOption));
            count++;
        }

        return count;
    }

    private static string Groups(RedshiftCluster c) => c.AllowedDbGroups.Count == 0 ? "any" : string.Join(" ", c.AllowedDbGroups);

    public static async Task<int> ListAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        using var connection = ServiceConnection.Open(parseResult);
        var clusters = new List<RedshiftCluster>();
        string? marker = null;
        for (var page = 0; page < 1000; page++)
        {
            var result = await connection.Redshift.DescribeClustersAsync(new DescribeClustersRequest { Marker = marker }, ct);
            clusters.AddRange(result.Clusters);
            marker = result.Marker;
            if (marker is null)
            {
                break;
            }
        }

        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Clusters"] = new JsonArray([.. clusters.Select(c => (JsonNode)ToJson(c))]) });
            return ExitCodes.Ok;
        }

        if (clusters.Count == 0)
        {
            context.Console.WriteLine($"No clusters registered on {connection.Description}. Add one: iamdb clusters add NAME --host H --database DB --admin-user U --admin-password-env VAR");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Cluster", "Endpoint", "Database", "Admin", "TLS", "Allowed groups", "Privileged users", "Status", "Tags");
        foreach (var c in clusters)
        {
            table.AddRow(
                Markup.Escape(c.ClusterIdentifier),
                Markup.Escape(c.Endpoint is { } e ? $"{e.Address}:{e.Port}" : "-"),
                Markup.Escape(c.DBName ?? "-"),
                Markup.Escape(c.MasterUsername ?? "-"),
                Markup.Escape(c.SslMode ?? "-"),
                Markup.Escape(Groups(c)),
                c.AllowPrivilegedDbUsers == true ? "allowed" : "refused",
                Markup.Escape(c.ClusterStatus ?? "-"),
                Markup.Escape(string.Join(", ", c.Tags.Select(t => $"{t.Key}={t.Value}"))));
        }

        context.Console.Write(table);
        return ExitCodes.Ok;
    }

    public static async Task<int> TestAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var response = await context.SpinAsync($"Testing {name}...", () => connection.CallAsync(
            connection.Request(AwsServices.Redshift, "TestCluster").Add("ClusterIdentifier", name), ct));
        var version = response.Result.Text("ServerVersion") ?? "?";
        var databases = Members(response.Result, "Databases");
        var passwordUsers = Members(response.Result, "PasswordLoginUsers");
        var tlsVersion = response.Result.Text("TlsVersion");
        var verification = response.Result.Text("TlsVerification");
        var skipped = SkippedDatabasesOutput.Read(response.Result);
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ClusterIdentifier"] = name,
                ["ServerVersion"] = version,
                ["TlsVersion"] = tlsVersion,
                ["TlsVerification"] = verification,
                ["Databases"] = new JsonArray([.. databases.Select(d => (JsonNode)d)]),
                ["PasswordLoginUsers"] = new JsonArray([.. passwordUsers.Select(u => (JsonNode)u)]),
                ["SkippedDatabases"] = SkippedDatabasesOutput.ToJson(skipped),
            });
            return ExitCodes.Ok;
        }

        context.Console.MarkupLineInterpolated($"[green]ok[/] {name}: {version}");
        context.Console.MarkupLineInterpolated($"  TLS: {tlsVersion ?? "?"}, {verification ?? "?"}");
        context.Console.MarkupLineInterpolated($"  databases: {string.Join(", ", databases)}");
        SkippedDatabasesOutput.Print(context.Console, skipped);
        if (passwordUsers.Count == 0)
        {
            context.Console.WriteLine("  no ordinary user can log in with a password: temporary credentials are the only way in.");
        }
        else
        {
            context.Console.MarkupLineInterpolated($"  [yellow]users that can still log in with a password:[/] {string.Join(", ", passwordUsers)}");
            context.Console.MarkupLineInterpolated($"  disable them: iamdb clusters disable-passwords {name} --dry-run");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> RemoveAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        using var connection = ServiceConnection.Open(parseResult);
        var response = await context.SpinAsync($"Deregistering {name} (revoking its live credentials)...", () => connection.CallAsync(
            connection.Request(AwsServices.Redshift, "DeregisterCluster").Add("ClusterIdentifier", name), ct));
        if (context.Json)
        {
            var cluster = response.Result.Child("Cluster");
            context.WriteJson(new JsonObject { ["Cluster"] = cluster is null ? null : ToJson(RedshiftCluster.FromXml(response, cluster)) });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Deregistered cluster [bold]{name}[/]; its live credentials were revoked.");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> DisablePasswordsAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(ClustersCommandDefinition.NameArgument);
        var dryRun = parseResult.GetValue(ClustersCommandDefinition.DryRunOption);
        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "DisableClusterPasswords")
            .Add("ClusterIdentifier", name)
            .AddList("DbUsers", parseResult.GetValue(ClustersCommandDefinition.UserOption), "DbUser")
            .Add("DryRun", dryRun);
        var response = await connection.CallAsync(request, ct);
        var changes = response.Result.Members("Changes")
            .Select(m => (DbUser: m.Text("DbUser") ?? "?", Changed: m.Text("Changed") == "true", Reason: m.Text("Reason")))
            .ToList();
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["ClusterIdentifier"] = name,
                ["DryRun"] = dryRun,
                ["Changes"] = new JsonArray([.. changes.Select(c => (JsonNode)new JsonObject { ["DbUser"] = c.DbUser, ["Changed"] = c.Changed, ["Reason"] = c.Reason })]),
            });
            return ExitCodes.Ok;
        }

        if (changes.Count == 0)
        {
            context.Console.WriteLine("No database user had a password to disable.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("DB user", dryRun ? "Would change" : "Changed", "Reason");
        foreach (var c in changes)
        {
            table.AddRow(Markup.Escape(c.DbUser), c.Changed ? "yes" : "no", Markup.Escape(c.Reason ?? string.Empty));
        }

        context.Console.Write(table);
        if (dryRun)
        {
            context.Console.WriteLine("Dry run: nothing was changed. Run again without --dry-run to apply.");
        }

        return ExitCodes.Ok;
    }

    private static List<string> Members(XElement? result, string list) => [.. result.Members(list).Select(m => m.Value)];

    internal static JsonObject ToJson(RedshiftCluster c) => new()
    {
        ["ClusterIdentifier"] = c.ClusterIdentifier,
        ["ClusterStatus"] = c.ClusterStatus,
        ["DBName"] = c.DBName,
        ["MasterUsername"] = c.MasterUsername,
        ["Endpoint"] = c.Endpoint is { } e ? new JsonObject { ["Address"] = e.Address, ["Port"] = e.Port } : null,
        ["ClusterCreateTime"] = c.ClusterCreateTime?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["Tags"] = new JsonArray([.. c.Tags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]),
        ["SslMode"] = c.SslMode,
        ["AllowedDbGroups"] = new JsonArray([.. c.AllowedDbGroups.Select(g => (JsonNode)g)]),
        ["AllowPrivilegedDbUsers"] = c.AllowPrivilegedDbUsers,
    };
}
