using System.CommandLine;
using System.Diagnostics;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.ConnectionStrings;

namespace IamDb.Cli.Commands.Connect;

/// <summary>Gets a credential and runs psql with it in the child's environment.</summary>
internal static class ConnectCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var psql = FindPsql() ?? throw new CliException(
            "psql is not installed (or not on PATH). Install it: sudo apt-get install postgresql-client (Debian/Ubuntu), then run iamdb connect again.");
        var env = EnvironmentLogin.Resolve(parseResult, parseResult.GetRequiredValue(ConnectCommandDefinition.EnvironmentArgument));
        using var connection = ServiceConnection.Open(parseResult, env);
        var tls = await EnvironmentLogin.TlsAsync(parseResult, connection, env, context, ct);
        using var cached = CachedCredential.Open(parseResult, connection, env);
        var (endpoint, credentials) = await context.SpinAsync($"Getting credentials for {env.DbUser} on {env.Cluster}...", async () =>
        {
            var target = await EnvironmentLogin.TargetAsync(connection, env, ct);
            (string Host, int Port, string Database) endpoint = (target.Host, target.Port, target.Database);
            // A credential from the cache file is tried once first: if it was revoked, a new one is fetched before psql
            // fails with "password authentication failed".
            var (credentials, _) = await cached.GetCheckedAsync(c => EnvironmentLogin.Login(c, endpoint, tls), always: false, ct);
            return (endpoint, credentials);
        });

        var start = new ProcessStartInfo(psql) { UseShellExecute = false };
        foreach (var arg in parseResult.GetValue(ConnectCommandDefinition.PsqlArgsArgument) ?? [])
        {
            start.ArgumentList.Add(arg);
        }

        // The password travels in the child's environment only: not argv (visible in ps), not a file.
        foreach (var (name, value) in ConnectionStringFormats.EnvironmentVariables(EnvironmentLogin.Login(credentials, endpoint, tls)))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new CliException($"could not start {psql}.");
        await process.WaitForExitAsync(CancellationToken.None);
        return process.ExitCode;
    }

    private static string? FindPsql()
    {
        if (Environment.GetEnvironmentVariable("IAMDB_PSQL") is { Length: > 0 } explicitPath)
        {
            return File.Exists(explicitPath) ? explicitPath : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "psql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
