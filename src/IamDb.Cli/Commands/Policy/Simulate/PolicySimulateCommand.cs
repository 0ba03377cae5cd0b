using System.CommandLine;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using Spectre.Console;

namespace IamDb.Cli.Commands.Policy.Simulate;

/// <summary>Runs SimulatePrincipalPolicy and explains each result.</summary>
internal static class PolicySimulateCommand
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var contextEntries = ParseContext(parseResult.GetValue(PolicySimulateCommandDefinition.ContextOption) ?? []);
        using var connection = ServiceConnection.Open(parseResult);
        var principal = parseResult.GetRequiredValue(PolicySimulateCommandDefinition.PrincipalOption);
        var principalArn = principal.StartsWith("arn:", StringComparison.Ordinal) ? principal : await ArnOfAsync(connection, principal, ct);
        var actions = parseResult.GetRequiredValue(PolicySimulateCommandDefinition.ActionOption);
        var resources = parseResult.GetValue(PolicySimulateCommandDefinition.ResourceOption) is { Length: > 0 } r ? r : null;

        var results = new List<SimulationResult>();
        string? marker = null;
        for (var page = 0; page < 100; page++)
        {
            var request = connection.Request(AwsServices.Iam, "SimulatePrincipalPolicy")
                .Add("PolicySourceArn", principalArn)
                .AddList("ActionNames", actions)
                .AddList("ResourceArns", resources)
                .Add("Marker", marker);
            for (var i = 0; i < contextEntries.Count; i++)
            {
                var prefix = $"ContextEntries.member.{i + 1}";
                request.Add($"{prefix}.ContextKeyName", contextEntries[i].Key)
                    .Add($"{prefix}.ContextKeyValues.member.1", contextEntries[i].Value)
                    .Add($"{prefix}.ContextKeyType", "string");
            }

            var response = await connection.CallAsync(request, ct);
            results.AddRange(response.Result.Members("EvaluationResults").Select(SimulationResult.FromXml));
            marker = response.Result.Text("IsTruncated") == "true" ? response.Result.Text("Marker") : null;
            if (string.IsNullOrEmpty(marker))
            {
                break;
            }
        }

        var allowed = results.Count > 0 && results.All(x => x.Decision == "allowed");
        if (context.Json)
        {
            context.WriteJson(new JsonObject
            {
                ["PrincipalArn"] = principalArn,
                ["Allowed"] = allowed,
                ["EvaluationResults"] = new JsonArray([.. results.Select(x => (JsonNode)x.ToJson())]),
            });
        }
        else
        {
            context.Console.MarkupLineInterpolated($"Simulating as [bold]{principalArn}[/] on {connection.Description}:");
            foreach (var result in results)
            {
                context.Console.WriteLine();
                foreach (var line in result.Explain())
                {
                    context.Console.WriteLine(line);
                }
            }
        }

        return allowed ? ExitCodes.Ok : ExitCodes.AccessDenied;
    }

    internal static List<KeyValuePair<string, string>> ParseContext(IEnumerable<string> values)
    {
        var entries = new List<KeyValuePair<string, string>>();
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliUsageException($"--context wants KEY=VALUE (e.g. redshift:DbUser=adam), not '{value}'.");
            }

            entries.Add(new(value[..eq], value[(eq + 1)..]));
        }

        return entries;
    }

    private static async Task<string> ArnOfAsync(ServiceConnection connection, string name, CancellationToken ct)
    {
        var identity = await connection.CallAsync(connection.Request(AwsServices.Sts, "GetCallerIdentity"), ct);
        var account = identity.Result.Text("Account") ?? throw new InvalidDataException("GetCallerIdentity answered without Account.");
        var partition = identity.Result.Text("Arn")?.Split(':') is { Length: > 2 } parts ? parts[1] : "aws";
        return name.StartsWith("role/", StringComparison.Ordinal) || name.StartsWith("user/", StringComparison.Ordinal)
            ? $"arn:{partition}:iam::{account}:{name}"
            : $"arn:{partition}:iam::{account}:user/{name}";
    }

    /// <summary>One action/resource result of a simulation.</summary>
    internal sealed record SimulationResult(
        string Action,
        string Resource,
        string Decision,
        IReadOnlyList<MatchedStatement> Matched,
        IReadOnlyList<string> MissingContext,
        bool? AllowedByBoundary)
    {
        public static SimulationResult FromXml(XElement x) => new(
            x.Text("EvalActionName") ?? string.Empty,
            x.Text("EvalResourceName") ?? "*",
            x.Text("EvalDecision") ?? "implicitDeny",
            [.. x.Members("MatchedStatements").Select(MatchedStatement.FromXml)],
            [.. x.Members("MissingContextValues").Select(m => m.Value)],
            x.Text("PermissionsBoundaryDecisionDetail", "AllowedByPermissionsBoundary") is { } b ? b == "true" : null);

        public IEnumerable<string> Explain()
        {
            var verdict = Decision switch
            {
                "allowed" => "ALLOWED",
                "explicitDeny" => "DENIED by an explicit Deny",
                _ => "DENIED implicitly (no statement allows it)",
            };
            yield return $"{Action} on {Resource}: {verdict}";
            if (Matched.Count == 0)
            {
                yield return "  no statement matched this action and resource.";
            }

            foreach (var m in Matched)
            {
                yield return $"  matched {m.Describe()}";
            }

            if (AllowedByBoundary == false)
            {
                yield return "  the permissions boundary does not allow it, so identity policies cannot grant it.";
            }

            if (MissingContext.Count > 0)
            {
                yield return $"  missing context keys (a condition needed them; pass --context KEY=VALUE): {string.Join(", ", MissingContext)}";
            }

            if (Decision == "explicitDeny")
            {
                yield return "  an explicit Deny wins over every Allow; remove or narrow the Deny statement to change this.";
            }
            else if (Decision != "allowed" && Matched.Count == 0 && MissingContext.Count == 0)
            {
                yield return "  to allow it, attach a policy with an Allow statement for this action and resource.";
            }
        }

        public JsonObject ToJson() => new()
        {
            ["EvalActionName"] = Action,
            ["EvalResourceName"] = Resource,
            ["EvalDecision"] = Decision,
            ["MatchedStatements"] = new JsonArray([.. Matched.Select(m => (JsonNode)m.ToJson())]),
            ["MissingContextValues"] = new JsonArray([.. MissingContext.Select(k => (JsonNode)k)]),
            ["AllowedByPermissionsBoundary"] = AllowedByBoundary,
            ["Explanation"] = new JsonArray([.. Explain().Select(l => (JsonNode)l.Trim())]),
        };
    }

    /// <summary>A statement that matched: which policy, and where in its document.</summary>
    internal sealed record MatchedStatement(string PolicyId, string PolicyType, int? StartLine, int? StartColumn, int? EndLine, int? EndColumn)
    {
        public static MatchedStatement FromXml(XElement x) => new(
            x.Text("SourcePolicyId") ?? "?",
            x.Text("SourcePolicyType") ?? "?",
            Int(x.Text("StartPosition", "Line")),
            Int(x.Text("StartPosition", "Column")),
            Int(x.Text("EndPosition", "Line")),
            Int(x.Text("EndPosition", "Column")));

        public string Describe() =>
            $"{PolicyType} policy \"{PolicyId}\"" + (StartLine is { } l ? $", statement at line {l}, column {StartColumn} to line {EndLine}, column {EndColumn}" : string.Empty);

        public JsonObject ToJson() => new()
        {
            ["SourcePolicyId"] = PolicyId,
            ["SourcePolicyType"] = PolicyType,
            ["StartPosition"] = StartLine is null ? null : new JsonObject { ["Line"] = StartLine, ["Column"] = StartColumn },
            ["EndPosition"] = EndLine is null ? null : new JsonObject { ["Line"] = EndLine, ["Column"] = EndColumn },
        };

        private static int? Int(string? text) => int.TryParse(text, out var value) ? value : null;
    }
}
