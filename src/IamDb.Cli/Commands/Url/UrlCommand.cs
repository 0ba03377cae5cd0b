using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.ConnectionStrings;

namespace IamDb.Cli.Commands.Url;

/// <summary>Formats a connection string with the client's formatters.</summary>
internal static class UrlCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var env = EnvironmentLogin.Resolve(parseResult, parseResult.GetRequiredValue(UrlCommandDefinition.EnvironmentArgument));
        var format = parseResult.GetValue(UrlCommandDefinition.FormatOption) ?? UrlFormat.Libpq;
        var odbcDriver = parseResult.GetValue(UrlCommandDefinition.OdbcDriverOption);
        using var connection = ServiceConnection.Open(parseResult, env);
        var tls = await EnvironmentLogin.TlsAsync(parseResult, connection, env, context, ct);
        var target = await EnvironmentLogin.TargetAsync(connection, env, ct);
        var engine = parseResult.GetValue(UrlCommandDefinition.DriverOption) ?? target.Engine;
        (string Host, int Port, string Database) endpoint = (target.Host, target.Port, target.Database);
        var checking = parseResult.GetValue(UrlCommandDefinition.CheckOption);
        using var cached = CachedCredential.Open(parseResult, connection, env);
        LoginCheck? check = null;
        string text;
        ClusterCredentialsView? credential = null;
        if (format is UrlFormat.JdbcIam or UrlFormat.OdbcIam)
        {
            var settings = new IamConnectionSettings
            {
                ClusterIdentifier = env.Cluster,
                Region = connection.Region,
                Database = target.Database,
                DbUser = env.DbUser,
                DbGroups = env.DbGroups.Count > 0 ? env.DbGroups : null,
                AutoCreate = env.AutoCreate,
                DurationSeconds = env.DurationSeconds,
                EndpointUrl = connection.Endpoint,
                Profile = env.Profile,
                Host = target.Host,
                Port = target.Port,
                SslMode = tls.Mode,
                RootCertificate = tls.RootCertificate,
            };
            text = format == UrlFormat.JdbcIam
                ? ConnectionStringFormats.JdbcIam(settings)
                : ConnectionStringFormats.OdbcIam(settings, odbcDriver ?? ConnectionStringFormats.RedshiftOdbcDriver);
            if (checking)
            {
                // The driver will fetch its own credential; check that one can be had and logs in.
                (_, check) = await cached.GetCheckedAsync(c => EnvironmentLogin.Login(c, endpoint, tls), always: true, ct);
            }
        }
        else
        {
            var (credentials, checkedLogin) = await cached.GetCheckedAsync(c => EnvironmentLogin.Login(c, endpoint, tls), always: checking, ct);
            check = checking ? checkedLogin : null;
            credential = new ClusterCredentialsView(credentials.DbUser, credentials.DbPassword, credentials.Expiration);
            var login = EnvironmentLogin.Login(credentials, endpoint, tls) with { Engine = engine };
            text = format switch
            {
                UrlFormat.Jdbc => ConnectionStringFormats.Jdbc(login),
                UrlFormat.Odbc => ConnectionStringFormats.Odbc(login, odbcDriver),
                UrlFormat.Libpq => ConnectionStringFormats.LibpqUri(login),
                UrlFormat.Keywords => ConnectionStringFormats.LibpqKeywords(login),
                UrlFormat.Psql => ConnectionStringFormats.PsqlCommand(login),
                UrlFormat.Npgsql => ConnectionStringFormats.Npgsql(login, includePassword: false),
                UrlFormat.Env => ConnectionStringFormats.ShellExports(login).TrimEnd('\n'),
                _ => ConnectionStringFormats.PgpassLine(login),
            };
        }

        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["Environment"] = env.Name,
                ["Format"] = FormatName(format),
                ["Driver"] = engine == DatabaseEngine.PostgreSql ? "postgresql" : "redshift",
                ["Value"] = text,
                ["DbUser"] = credential?.DbUser,
                ["DbPassword"] = credential?.DbPassword,
                ["Expiration"] = credential is null ? null : GetClusterCredentials.GetClusterCredentialsCommand.AwsCliTimestamp(credential.Expiration),
                ["Check"] = check is null ? null : CheckJson(check),
            });
        }
        else
        {
            context.Output.WriteLine(text);
            context.Output.Flush();
            if (PasswordHint(format, parseResult.GetRequiredValue(UrlCommandDefinition.EnvironmentArgument)) is { } hint)
            {
                context.Error.WriteLine(hint);
            }
        }

        if (check is not null)
        {
            ReportCheck(context, check);
        }

        return check is { Ok: false } ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>The check on stderr (stdout stays the connection string alone, for <c>$(iamdb url …)</c>).</summary>
    private static void ReportCheck(CliContext context, LoginCheck check)
    {
        if (check.Renewed)
        {
            context.Error.WriteLine($"the cached credential was refused ({check.Refusal}); fetched a new one.");
        }

        context.Error.WriteLine(check.Ok
            ? $"login ok: {check.User} on {check.Target}"
            : $"login failed{(check.SqlState is null ? string.Empty : $" ({check.SqlState})")}: {check.User} on {check.Target}: {check.Message}");
        context.Error.Flush();
    }

    private static JsonObject CheckJson(LoginCheck check) => new()
    {
        ["Ok"] = check.Ok,
        ["SqlState"] = check.SqlState,
        ["Message"] = check.Message,
        ["Target"] = check.Target,
        ["Renewed"] = check.Renewed,
    };

    internal static string FormatName(UrlFormat format) => UrlCommandDefinition.Formats.First(f => f.Format == format).Name;

    // On stderr, so that stdout stays exactly the string: where the password that is not in it goes.
    private static string? PasswordHint(UrlFormat format, string environment) => format switch
    {
        UrlFormat.Jdbc => $"note: the password is not in the URL; pass it as the driver's password property (iamdb url {environment} --format jdbc --output json gives it as DbPassword).",
        UrlFormat.Libpq or UrlFormat.Keywords or UrlFormat.Psql or UrlFormat.Npgsql =>
            $"note: the password is not in the string; export PGPASSWORD first (eval \"$(iamdb url {environment} --format env)\"), or add a line from --format pgpass to ~/.pgpass.",
        _ => null,
    };

    private sealed record ClusterCredentialsView(string DbUser, string DbPassword, DateTimeOffset Expiration);
}
