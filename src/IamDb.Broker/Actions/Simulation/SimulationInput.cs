using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Parsing;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Actions.Simulation;

/// <summary>One policy taking part in a simulation, with what the response reports about it.</summary>
/// <param name="SourcePolicyId">AWS's SourcePolicyId: the policy name, or <c>PolicyInputList.N</c> for inputs.</param>
/// <param name="SourcePolicyType">user, group, role, user-managed, aws-managed, resource or none.</param>
/// <param name="Compiled">The compiled policy.</param>
/// <param name="Spans">Where each statement starts and ends in the document.</param>
internal sealed record SimulatedPolicy(string SourcePolicyId, string SourcePolicyType, CompiledPolicy Compiled, IReadOnlyList<StatementSpan> Spans);

/// <summary>Reads the parameters SimulateCustomPolicy and SimulatePrincipalPolicy share.</summary>
internal sealed class SimulationInput
{
    private static readonly StringConstraints PolicyText = new(1, 131_072, @"[\u0009\u000A\u000D\u0020-\u00FF]+");
    private static readonly StringConstraints ResourceName = new(1, 2048);
    private static readonly StringConstraints ActionName = new(3, 128);

    public required IReadOnlyList<string> ActionNames { get; init; }

    public required IReadOnlyList<string> ResourceArns { get; init; }

    public required IReadOnlyList<string> PolicyInputs { get; init; }

    public required IReadOnlyList<string> BoundaryInputs { get; init; }

    public required string? ResourcePolicy { get; init; }

    public required string? ResourceOwner { get; init; }

    public required string? CallerArn { get; init; }

    public required IReadOnlyList<(string Key, string Type, IReadOnlyList<string> Values)> ContextEntries { get; init; }

    public required int MaxItems { get; init; }

    public required string? Marker { get; init; }

    public static (SimulationInput Input, QueryParameterReader Reader) Read(QueryParameters parameters, bool policyInputsRequired)
    {
        var reader = new QueryParameterReader(parameters, QueryValidationStyle.ValidationError);
        var inputs = policyInputsRequired
            ? reader.RequiredStringList("PolicyInputList", itemConstraints: PolicyText)
            : reader.OptionalStringList("PolicyInputList", itemConstraints: PolicyText) ?? [];
        var input = new SimulationInput
        {
            PolicyInputs = inputs,
            BoundaryInputs = reader.OptionalStringList("PermissionsBoundaryPolicyInputList", itemConstraints: PolicyText) ?? [],
            ActionNames = reader.RequiredStringList("ActionNames", itemConstraints: ActionName),
            ResourceArns = reader.OptionalStringList("ResourceArns", itemConstraints: ResourceName) ?? [],
            ResourcePolicy = reader.OptionalString("ResourcePolicy", PolicyText),
            ResourceOwner = reader.OptionalString("ResourceOwner", ResourceName),
            CallerArn = reader.OptionalString("CallerArn", ResourceName),
            ContextEntries = reader.OptionalStructList(
                "ContextEntries",
                r => (r.OptionalString("ContextKeyName", new StringConstraints(5, 256)) ?? string.Empty,
                      r.OptionalString("ContextKeyType") ?? "string",
                      (IReadOnlyList<string>)(r.OptionalStringList("ContextKeyValues") ?? []))) ?? [],
            MaxItems = reader.OptionalInt("MaxItems", 1, 1000) ?? 100,
            Marker = reader.OptionalString("Marker", new StringConstraints(1, 320)),
        };
        return (input, reader);
    }

    /// <summary>Parses and compiles an input document; malformed input is AWS's InvalidInput.</summary>
    public static SimulatedPolicy Compile(string document, ParsedKind parseAs, PolicyType role, string id, string type, string? arn = null)
    {
        var parsed = PolicyParser.Parse(document, parseAs);
        if (parsed.Document is null)
        {
            var message = parsed.Errors.Count > 0 ? parsed.Errors[0].FullMessage : "Syntax errors in policy.";
            throw new AwsErrorException(new AwsError("InvalidInput", $"{id}: {message}", 400));
        }

        return new SimulatedPolicy(id, type, CompiledPolicy.Compile(parsed.Document, role, id, arn), parsed.StatementSpans);
    }

    /// <summary>The simulation's request context: the given context entries on top of the request's standard keys.</summary>
    public RequestContext CreateContext(ActionContext context, TimeProvider time)
    {
        var request = new RequestContext(time) { RequestedRegion = context.Request.Region };
        foreach (var (key, type, values) in ContextEntries)
        {
            if (key.Length == 0 || values.Count == 0)
            {
                continue;
            }

            try
            {
                switch (type)
                {
                    case "numeric":
                        request.SetNumber(key, decimal.Parse(values[0], CultureInfo.InvariantCulture));
                        break;
                    case "boolean":
                        request.SetBool(key, bool.Parse(values[0]));
                        break;
                    case "ip":
                        request.SetIp(key, IPAddress.Parse(values[0]));
                        break;
                    case "date":
                        request.SetDate(key, DateTimeOffset.Parse(values[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
                        break;
                    case "string" or "binary":
                        request.Set(key, values[0]);
                        break;
                    default:
                        request.Set(key, values);
                        break;
                }
            }
            catch (FormatException)
            {
                throw new AwsErrorException(new AwsError("InvalidInput", $"Invalid value for context key {key} of type {type}.", 400));
            }
        }

        return request;
    }

    public static ImmutableArray<CompiledPolicy> Compiled(IEnumerable<SimulatedPolicy> policies) => [.. policies.Select(p => p.Compiled)];
}
