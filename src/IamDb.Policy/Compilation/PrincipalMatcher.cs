using IamDb.Policy.Evaluation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Compilation;

/// <summary>
/// How a resource-based statement's Principal names the requester. It decides which implicit denies a same-account
/// resource policy Allow overrides (IAM User Guide, policy evaluation: resource-based policies table).
/// </summary>
internal enum PrincipalMatch
{
    /// <summary>The statement does not apply to the principal.</summary>
    None = 0,

    /// <summary>Named through its account (<c>"AWS": "ACCT"</c> or <c>arn:aws:iam::ACCT:root</c>): delegates to the
    /// account's own IAM policies.</summary>
    Account = 1,

    /// <summary>Named through the role of a role session, or the IAM user who federated: the Allow is still limited by
    /// implicit denies in the permissions boundary and the session policy.</summary>
    Delegated = 2,

    /// <summary>Named directly (user ARN, session ARN, federated-user ARN, <c>*</c>): not limited by implicit denies.</summary>
    Direct = 3,
}

/// <summary>A Principal / NotPrincipal element.</summary>
internal sealed class PrincipalMatcher
{
    private readonly bool _wildcard;
    private readonly HashSet<string> _accounts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _arns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _services = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _federated = new(StringComparer.OrdinalIgnoreCase);

    public PrincipalMatcher(PrincipalElement element)
    {
        IsNot = element.IsNot;
        _wildcard = element.IsWildcard;
        foreach (var (type, ids) in element.Values)
        {
            foreach (var raw in ids)
            {
                var id = raw.Trim();
                switch (type)
                {
                    case "AWS" when id == "*":
                        _wildcard = true;
                        break;
                    case "AWS" when id.Length == 12 && id.All(char.IsAsciiDigit):
                        _accounts.Add(id);
                        break;
                    case "AWS" when TryRootAccount(id, out var account):
                        _accounts.Add(account);
                        break;
                    case "AWS":
                        _arns.Add(id);
                        break;
                    case "Service":
                        _services.Add(id);
                        break;
                    case "Federated":
                        _federated.Add(id);
                        break;
                    default:
                        // CanonicalUser (S3 only) never names an IAM principal.
                        break;
                }
            }
        }
    }

    public bool IsNot { get; }

    /// <summary>How this element names the principal of a statement with <paramref name="effect"/>.</summary>
    public PrincipalMatch Match(in EvaluationScope scope, PolicyEffect effect)
    {
        if (!IsNot)
        {
            return Named(scope.Principal);
        }

        // "The NotPrincipal element with a Deny effect will always deny any IAM principal that has a permissions
        // boundary policy attached, regardless of the values specified in the NotPrincipal element."
        if (effect == PolicyEffect.Deny && scope.PrincipalHasBoundary)
        {
            return PrincipalMatch.Direct;
        }

        return FullyExcluded(scope.Principal) ? PrincipalMatch.None : PrincipalMatch.Direct;
    }

    private PrincipalMatch Named(PrincipalInfo p)
    {
        if (_wildcard || _arns.Contains(p.Arn)
            || (p.Type == PrincipalType.Service && p.ServiceName is not null && _services.Contains(p.ServiceName))
            || (p.FederatedProvider is not null && _federated.Contains(p.FederatedProvider)))
        {
            return PrincipalMatch.Direct;
        }

        if ((p.RoleArn is not null && _arns.Contains(p.RoleArn)) || (p.SourceUserArn is not null && _arns.Contains(p.SourceUserArn)))
        {
            return PrincipalMatch.Delegated;
        }

        return p.AccountId is not null && _accounts.Contains(p.AccountId) ? PrincipalMatch.Account : PrincipalMatch.None;
    }

    /// <summary>
    /// NotPrincipal excludes a principal only when every layer AWS checks is listed: the account, then the user or
    /// role, then the session (IAM User Guide, NotPrincipal: list the account ARN together with the user or role ARN).
    /// </summary>
    private bool FullyExcluded(PrincipalInfo p)
    {
        if (_wildcard)
        {
            return true;
        }

        var account = p.AccountId is not null && _accounts.Contains(p.AccountId);
        return p.Type switch
        {
            PrincipalType.Root => account,
            PrincipalType.User or PrincipalType.FederatedUser => account && _arns.Contains(p.Arn),
            PrincipalType.AssumedRole => account && _arns.Contains(p.Arn) && p.RoleArn is not null && _arns.Contains(p.RoleArn),
            PrincipalType.Service => p.ServiceName is not null && _services.Contains(p.ServiceName),
            PrincipalType.WebIdentityUser or PrincipalType.SamlUser => p.FederatedProvider is not null && _federated.Contains(p.FederatedProvider),
            _ => false,
        };
    }

    private static bool TryRootAccount(string arn, out string account)
    {
        // arn:PARTITION:iam::ACCOUNT:root
        var parts = arn.Split(':');
        if (parts.Length == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root")
        {
            account = parts[4];
            return true;
        }

        account = string.Empty;
        return false;
    }
}
