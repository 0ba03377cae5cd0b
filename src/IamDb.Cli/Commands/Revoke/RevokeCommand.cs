using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using Spectre.Console;

namespace IamDb.Cli.Commands.Revoke;

/// <summary>Calls <c>RevokeClusterCredentials</c> with one scope and lists what was revoked.</summary>
internal static class RevokeCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var cluster = parseResult.GetValue(RevokeCommandDefinition.ClusterOption);
        var loginRole = parseResult.GetValue(RevokeCommandDefinition.LoginRoleOption);
        var principal = parseResult.GetValue(RevokeCommandDefinition.PrincipalOption);
        var all = parseResult.GetValue(RevokeCommandDefinition.AllOption);
        var scopes = (loginRole is not null ? 1 : 0) + (principal is not null ? 1 : 0) + (all ? 1 : 0);
        if (scopes != 1)
        {
            throw new CliUsageException("give exactly one scope: --login-role R --cluster C (one credential), --principal ARN [--cluster C], or --cluster C --all.");
        }

        if ((loginRole is not null || all) && cluster is null)
        {
            throw new CliUsageException(loginRole is not null ? "--login-role needs --cluster C." : "--all needs --cluster C.");
        }

        if (principal is not null && !principal.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw new CliUsageException($"--principal wants an ARN (arn:aws:iam::ACCOUNT:user/NAME), not '{principal}'.");
        }

        using var connection = ServiceConnection.Open(parseResult);
        var request = connection.Request(AwsServices.Redshift, "RevokeClusterCredentials")
            .Add("LoginRole", loginRole)
            .Add("PrincipalArn", principal)
            .Add("ClusterIdentifier", cluster);
        var response = await context.SpinAsync("Revoking...", () => connection.CallAsync(request, ct));
        var revoked = response.Result.Members("Revoked").Select(m => new JsonObject
        {
            ["DbUser"] = m.Text("DbUser"),
            ["ClusterIdentifier"] = m.Text("ClusterIdentifier"),
            ["PrincipalArn"] = m.Text("PrincipalArn"),
            ["Expiration"] = m.Text("Expiration"),
        }).ToList();
        if (context.Json)
        {
            context.WriteJson(new JsonObject { ["Revoked"] = new JsonArray([.. revoked]) });
            return ExitCodes.Ok;
        }

        if (revoked.Count == 0)
        {
            context.Console.WriteLine("Nothing to revoke: no live credential in that scope.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Login role", "Cluster", "Principal", "Would have expired");
        foreach (var r in revoked)
        {
            table.AddRow(
                Markup.Escape((string?)r["DbUser"] ?? "?"),
                Markup.Escape((string?)r["ClusterIdentifier"] ?? "?"),
                Markup.Escape((string?)r["PrincipalArn"] ?? "?"),
                Markup.Escape((string?)r["Expiration"] ?? "?"));
        }

        context.Console.Write(table);
        context.Console.MarkupLineInterpolated($"Revoked {revoked.Count} credential(s): sessions ended, login roles dropped.");
        return ExitCodes.Ok;
    }
}
