using System.Globalization;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;

namespace IamDb.Broker.Actions.Simulation;

/// <summary>
/// Evaluates every (action, resource) pair with the policy engine's explainer and writes IAM's
/// <c>SimulatePolicyResponse</c>: EvaluationResults with decisions, matched statements (with their positions) and
/// missing context keys, paged by MaxItems/Marker.
/// </summary>
internal static class SimulationRunner
{
    private const string MarkerList = "simulation";

    public static ActionOutcome Run(
        SimulationInput input, PrincipalInfo principal, PolicySet policies, IReadOnlyList<SimulatedPolicy> sources, RequestContext requestContext,
        IReadOnlyDictionary<string, string>? unavailableTypes = null)
    {
        var resources = input.ResourceArns.Count > 0 ? input.ResourceArns : ["*"];
        var pairs = input.ActionNames.SelectMany(a => resources.Select(r => (Action: a, Resource: r))).ToList();
        var start = PageMarker.Decode(MarkerList, input.Marker) is { } position ? int.Parse(position, CultureInfo.InvariantCulture) : 0;
        var page = pairs.Skip(start).Take(input.MaxItems).ToList();
        var next = start + page.Count < pairs.Count ? PageMarker.Encode(MarkerList, (start + page.Count).ToString(CultureInfo.InvariantCulture)) : null;
        var byName = sources.GroupBy(s => s.Compiled.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        var results = new List<(string Action, string Resource, AuthorizationResult Result)>(page.Count);
        foreach (var (action, resource) in page)
        {
            var request = new AuthorizationRequest(principal, action, resource, requestContext);
            results.Add((action, resource, PolicyExplainer.Explain(in request, policies)));
        }

        return new ActionOutcome(xml =>
        {
            xml.WriteList("EvaluationResults", results, (w, r) =>
            {
                w.WriteString("EvalActionName", r.Action);
                w.WriteString("EvalResourceName", r.Resource);
                w.WriteString("EvalDecision", Decision(r.Result.Decision));
                w.WriteStructure("MatchedStatements", list =>
                {
                    // A policy that could not be loaded decided the explicit deny: it is named first, without positions.
                    foreach (var missing in r.Result.UnavailablePolicies)
                    {
                        list.WriteStructure("member", s =>
                        {
                            s.WriteString("SourcePolicyId", missing.Name);
                            s.WriteString("SourcePolicyType", unavailableTypes?.GetValueOrDefault(missing.Name) ?? "none");
                        });
                    }

                    foreach (var statement in r.Result.MatchedStatements)
                    {
                        list.WriteStructure("member", s => WriteStatement(s, statement, byName));
                    }
                });
                w.WriteStringList("MissingContextValues", r.Result.MissingContextKeys);
                var boundaryMissing = r.Result.UnavailablePolicies.Any(u => u.Kind == PolicyType.PermissionsBoundary);
                if (policies.PermissionsBoundary is not null || boundaryMissing)
                {
                    w.WriteStructure("PermissionsBoundaryDecisionDetail", d => d.WriteBoolean(
                        "AllowedByPermissionsBoundary", !boundaryMissing
                                                        && !r.Result.DenialReasons.Contains(DenialReason.NoPermissionsBoundaryAllows)
                                                        && !r.Result.DeterminingStatements.Any(s => s.Kind == PolicyType.PermissionsBoundary)));
                }
            });
            xml.WriteBoolean("IsTruncated", next is not null);
            xml.WriteString("Marker", next);
        });
    }

    private static void WriteStatement(QueryXmlWriter xml, StatementReference statement, Dictionary<string, SimulatedPolicy> sources)
    {
        var source = sources.GetValueOrDefault(statement.PolicyName);
        xml.WriteString("SourcePolicyId", source?.SourcePolicyId ?? statement.PolicyName);
        xml.WriteString("SourcePolicyType", source?.SourcePolicyType ?? "none");
        if (source is not null && statement.StatementIndex < source.Spans.Count)
        {
            var span = source.Spans[statement.StatementIndex];
            xml.WriteStructure("StartPosition", p =>
            {
                p.WriteInt32("Line", span.Start.Line);
                p.WriteInt32("Column", span.Start.Column);
            });
            xml.WriteStructure("EndPosition", p =>
            {
                p.WriteInt32("Line", span.End.Line);
                p.WriteInt32("Column", span.End.Column);
            });
        }
    }

    private static string Decision(Decision decision) => decision switch
    {
        Policy.Authorization.Decision.Allow => "allowed",
        Policy.Authorization.Decision.ExplicitDeny => "explicitDeny",
        _ => "implicitDeny",
    };
}
