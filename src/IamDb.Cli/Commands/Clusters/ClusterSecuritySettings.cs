using System.CommandLine;
using IamDb.Cli.Output;
using IamDb.Client.Query;

namespace IamDb.Cli.Commands.Clusters;

/// <summary>The TLS and access settings that <c>iamdb clusters add</c> and <c>update</c> share.</summary>
internal static class ClusterSecuritySettings
{
    public static readonly Option<string> SslModeOption = new("--ssl-mode")
    {
        Description = "How the broker verifies the server's TLS certificate: require (encrypted, not verified; the default for "
            + "127.0.0.0/8, ::1 and localhost), verify-ca (chains to a trusted root), verify-full (and names the host; the default otherwise).",
        HelpName = "MODE",
    };

    public static readonly Option<FileInfo> SslRootCertOption = new("--ssl-root-cert")
    {
        Description = "PEM file with the CA certificate(s) the server's certificate must chain to (stored with the cluster; "
            + "only these are trusted for it). Without it, the machine's trusted roots are used.",
        HelpName = "FILE",
    };

    public static readonly Option<bool> NoSslRootCertOption = new("--no-ssl-root-cert")
    {
        Description = "Remove the stored root certificate (verify against the machine's trusted roots again).",
    };

    public static readonly Option<string[]> AllowedDbGroupsOption = new("--allowed-db-groups")
    {
        Description = "The only database groups credentials may join on this cluster: names or patterns with * and ? (quote them: 'team_*'). "
            + "Default: every group that passes IamDb's rules. With update, the option alone (no names) removes the restriction.",
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "GROUP",
    };

    public static readonly Option<bool> AllowPrivilegedDbUsersOption = new("--allow-privileged-db-users")
    {
        Description = "Allow credentials for privileged database users (superusers, roles with CREATEROLE, CREATEDB, REPLICATION or "
            + "BYPASSRLS, the admin). Default: refused. With update: --allow-privileged-db-users false turns it off again.",
    };

    // The security settings of add and update; returns how many were given.
    public static int Add(ParseResult parseResult, AwsQueryRequest request, bool update)
    {
        var count = 0;
        if (parseResult.GetValue(SslModeOption) is { } mode)
        {
            if (mode is not ("require" or "verify-ca" or "verify-full"))
            {
                throw new CliUsageException($"--ssl-mode must be require, verify-ca or verify-full, not '{mode}'.");
            }

            request.Add("SslMode", mode);
            count++;
        }

        var noRoot = update && parseResult.GetValue(NoSslRootCertOption);
        if (parseResult.GetValue(SslRootCertOption) is { } file)
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

        if (parseResult.GetResult(AllowedDbGroupsOption) is { Implicit: false })
        {
            var groups = parseResult.GetValue(AllowedDbGroupsOption) ?? [];
            if (groups.Length > 0 || update)
            {
                request.AddList("AllowedDbGroups", groups);
                count++;
            }
        }

        if (parseResult.GetResult(AllowPrivilegedDbUsersOption) is { Implicit: false })
        {
            request.Add("AllowPrivilegedDbUsers", parseResult.GetValue(AllowPrivilegedDbUsersOption));
            count++;
        }

        return count;
    }
}
