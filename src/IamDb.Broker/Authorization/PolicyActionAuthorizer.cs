using System.Net;
using IamDb.Aws.Errors;
using IamDb.Broker.Actions;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>
/// Authorizes a handler's action with IamDb.Policy against the caller's policies from the store. The account root is
/// allowed everything: this broker serves a standalone account (no organization), and AWS applies service control
/// policies to the root user of member accounts only, so guardrails do not bind root here. Every decision, allow or
/// deny, is recorded in the request's audit details with the statements that decided it. A policy that applies but
/// cannot be loaded (see <see cref="PrincipalPolicyLoader"/>) denies, and the audit record says which and why.
/// </summary>
internal sealed class PolicyActionAuthorizer(PrincipalPolicyLoader loader) : IActionAuthorizer
{
    public ValueTask<AwsError?> AuthorizeAsync(
        ActionContext context, string action, string resourceArn, IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, CancellationToken ct) =>
        AuthorizeCoreAsync(context, action, resourceArn, null, extraContext, ct);

    public ValueTask<AwsError?> AuthorizeWithResourcePolicyAsync(
        ActionContext context, string action, string resourceArn, ResourcePolicy resourcePolicy,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resourcePolicy);
        return AuthorizeCoreAsync(context, action, resourceArn, resourcePolicy, extraContext, ct);
    }

    /// <summary>The request context of an action: standard keys from the request plus the handler's service keys.</summary>
    public static RequestContext BuildContext(ActionContext context, IReadOnlyDictionary<string, IReadOnlyList<string>>? extra)
    {
        var request = new RequestContext(context.Time)
        {
            SecureTransport = context.SecureTransport,
            RequestedRegion = context.Region,
            SourceIp = IPAddress.TryParse(context.SourceIp, out var ip) ? ip : null,
        };
        if (extra is not null)
        {
            foreach (var (key, values) in extra)
            {
                if (values.Count == 1)
                {
                    request.Set(key, values[0]);
                }
                else
                {
                    request.Set(key, values);
                }
            }
        }

        return request;
    }

    private async ValueTask<AwsError?> AuthorizeCoreAsync(
        ActionContext context, string action, string resourceArn, ResourcePolicy? resourcePolicy,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? extraContext, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Caller.IsRoot && resourcePolicy is null)
        {
            context.Audit.Decisions.Add($"Allow {action} on {resourceArn}: the account root user");
            return null;
        }

        var loaded = await loader.LoadAsync(context.Store, context.Caller, ct);
        var policies = loaded.Policies;
        if (resourcePolicy is not null)
        {
            var kind = resourcePolicy.IsTrustPolicy ? PolicyType.TrustPolicy : PolicyType.ResourceBased;
            var entry = loader.Compile(
                resourcePolicy.Document, resourcePolicy.IsTrustPolicy ? ParsedKind.Trust : ParsedKind.Resource, kind, resourcePolicy.Name, resourceArn);
            policies = policies.WithResourcePolicy(entry.Policy, resourcePolicy.OwnerAccountId);
            if (entry.Policy is null)
            {
                // A trust policy that no longer parses must not vanish: without it the identity side alone would decide.
                // It is named by the resource's ARN: "the trust policy arn:aws:iam::…:role/R could not be loaded".
                policies = policies with
                {
                    UnavailablePolicies = policies.UnavailablePolicies.Add(new UnavailablePolicy(kind, resourceArn, entry.Problem!)),
                };
            }
        }

        var request = new AuthorizationRequest(loaded.Principal, action, resourceArn, BuildContext(context, extraContext));
        var result = PolicyExplainer.Explain(in request, policies);
        if (result.Decision == Decision.Allow)
        {
            var by = result.DeterminingStatements.Count > 0
                ? string.Join("; ", result.DeterminingStatements.Select(ExplanationText.Describe))
                : "no statement needed";
            context.Audit.Decisions.Add($"Allow {action} on {resourceArn}: {by}");
            return null;
        }

        var message = AccessDeniedMessage.Render(result, in request);
        var detail = result.DeterminingStatements.Count > 0
            ? ": " + string.Join("; ", result.DeterminingStatements.Select(ExplanationText.Describe))
            : string.Empty;
        foreach (var missing in result.UnavailablePolicies)
        {
            detail += $"; {missing.Describe()}: {missing.Reason}";
        }

        context.Audit.Decisions.Add($"{result.Decision} {action} on {resourceArn}: {message}{detail}");
        return new AwsError(AwsErrorCodes.AccessDenied, message, 403);
    }
}
