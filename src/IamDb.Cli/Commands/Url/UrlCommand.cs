using System.CommandLine;
using System.Globalization;
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
        var format = parseResult.GetValue(UrlCommandDefinition.FormatOption);
        using var connection = ServiceConnection.Open(parseResult, env);
        var tls = await EnvironmentLogin.TlsAsync(parseResult, connection, env, context, ct);
        var endpoint = await EnvironmentLogin.EndpointAsync(connection, env, ct);
        var checking = parseResult.GetValue(UrlCommandDefinition.CheckOption);
        using var cached = CachedCredential.Open(parseResult, connection, env);
        LoginCheck? check = null;
        string text;
        DateTimeOffset? expiration = null;
        if (format is UrlFormat.JdbcIam or UrlFormat.OdbcIam)
        {
            var settings = new IamConnectionSettings
            {
                ClusterIdentifier = env.Cluster,
                Region = connection.Region,
                Database = endpoint.Database,
                DbUser = env.DbUser,
                DbGroups = env.DbGroups.Count > 0 ? env.DbGroups : null,
                AutoCreate = env.AutoCreate,
                DurationSeconds = env.DurationSeconds,
                EndpointUrl = connection.Endpoint,
                Profile = env.Profile,
                Host = endpoint.Host,
                Port = endpoint.Port,
                SslMode = tls.Mode,
                RootCertificate = tls.RootCertificate,
            };
            text = format == UrlFormat.JdbcIam ? ConnectionStringFormats.JdbcIam(settings) : ConnectionStringFormats.OdbcIam(settings);
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
            expiration = credentials.Expiration;
            var login = EnvironmentLogin.Login(credentials, endpoint, tls);
            text = format switch
            {
                UrlFormat.Jdbc => ConnectionStringFormats.Jdbc(login),
                UrlFormat.Odbc => ConnectionStringFormats.Odbc(login),
                UrlFormat.Libpq => ConnectionStringFormats.LibpqUri(login),
                UrlFormat.Npgsql => ConnectionStringFormats.Npgsql(login),
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
                ["Value"] = text,
                ["Expiration"] = expiration?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture),
                ["Check"] = check is null ? null : CheckJson(check),
            });
        }
        else
        {
            context.Output.WriteLine(text);
            context.Output.Flush();
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

    internal static string FormatName(UrlFormat format) => format switch
    {
        UrlFormat.JdbcIam => "jdbc-iam",
        UrlFormat.OdbcIam => "odbc-iam",
        _ => format.ToString().ToLowerInvariant(),
    };
}
