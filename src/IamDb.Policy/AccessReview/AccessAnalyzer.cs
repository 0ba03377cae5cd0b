using System.Text.RegularExpressions;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using IamDb.Policy.Linting;
using IamDb.Policy.Model;
using IamDb.Policy.Parsing;

namespace IamDb.Policy.AccessReview;

/// <summary>The kind of principal an access review lists.</summary>
public enum ReviewPrincipalKind
{
    /// <summary>An IAM user (its own, its groups' and its boundary's policies decide).</summary>
    User,

    /// <summary>An IAM group whose policies give members their access (members listed).</summary>
    Group,

    /// <summary>An IAM role (sessions of it: its policies and boundary decide).</summary>
    Role,
}

/// <summary>One principal that can obtain credentials for a database user, and the statements that allow it.</summary>
/// <param name="Kind">User, group or role.</param>
/// <param name="Name">The principal's name.</param>
/// <param name="Arn">The principal's ARN.</param>
/// <param name="Statements">The allowing statements, as <c>policy#Sid</c> (or <c>policy#index</c>).</param>
/// <param name="Members">For a group: the members who get the access through it.</param>
public sealed record AccessGrant(ReviewPrincipalKind Kind, string Name, string Arn, IReadOnlyList<string> Statements, IReadOnlyList<string> Members)
{
    /// <summary>
    /// For a role: the identity providers through which people or workloads sign in as it (its trust policy's
    /// <c>Federated</c> principals allowed <c>sts:AssumeRoleWithWebIdentity</c> or <c>sts:AssumeRoleWithSAML</c>), with the
    /// claims each must carry. Empty when nobody can federate into the role.
    /// </summary>
    public IReadOnlyList<FederatedAccess> Federated { get; init; } = [];
}

/// <summary>One way in through an identity provider: who may become the role, and under which claim conditions.</summary>
/// <param name="ProviderArn">The OIDC or SAML provider's ARN as the trust policy names it (may be a pattern).</param>
/// <param name="Action">The STS action allowed: <c>sts:AssumeRoleWithWebIdentity</c> or <c>sts:AssumeRoleWithSAML</c>.</param>
/// <param name="Conditions">The trust statement's conditions, one per operator and key, as
/// <c>KEY OPERATOR value | value</c> (e.g. <c>idp.example:sub StringLike repo:org/app:*</c>); empty: any identity of the
/// provider.</param>
/// <param name="Statement">The trust statement, as <c>trust#Sid</c> (or <c>trust#statement N</c>).</param>
public sealed record FederatedAccess(string ProviderArn, string Action, IReadOnlyList<string> Conditions, string Statement)
{
    /// <summary>"through provider P when C1 and C2" (or "… for any identity it vouches for").</summary>
    public string Describe() =>
        $"through {ProviderArn} ({Action})" + (Conditions.Count == 0 ? " for any identity it vouches for" : " when " + string.Join(" and ", Conditions));
}

/// <summary>Who can obtain credentials for one database user (or pattern of users) on one cluster.</summary>
/// <param name="Cluster">Cluster identifier.</param>
/// <param name="DbUser">The database user, or a pattern (<c>temp_*</c>, <c>*</c>) when <paramref name="IsPattern"/>.</param>
/// <param name="IsPattern">True when policies grant a wildcard rather than one named user.</param>
/// <param name="Principals">Users, groups and roles, sorted by kind and name.</param>
public sealed record DbUserAccess(string Cluster, string DbUser, bool IsPattern, IReadOnlyList<AccessGrant> Principals);

/// <summary>The review: one entry per cluster and database user that someone can get into, and any problems seen.</summary>
public sealed record AccessReviewReport(IReadOnlyList<DbUserAccess> Entries, IReadOnlyList<string> Warnings);

/// <summary>
/// Computes, without I/O, which IAM principals can obtain temporary credentials
/// (<c>redshift:GetClusterCredentials</c>) for each database user of each cluster. The candidate database users are
/// the ones policies name (resources <c>dbuser:CLUSTER/USER</c> and <c>redshift:DbUser</c> condition values; policy
/// variables expanded per user, wildcards kept as patterns); each principal is then evaluated with the IAM policy
/// engine for each candidate — identity policies including groups', permissions boundaries and explicit denies — so
/// a grant that a deny or boundary takes away is not listed.
/// </summary>
public static partial class AccessAnalyzer
{
    private const string Action = "redshift:GetClusterCredentials";
    private const string UserNameMarker = "\u0000username\u0000";

    /// <summary>Reviews every cluster in <paramref name="clusters"/> against the account's IAM details.</summary>
    public static AccessReviewReport Analyze(AuthorizationDetails details, IReadOnlyList<ClusterRef> clusters, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(clusters);
        var warnings = new List<string>();
        var compiler = new Compiler(details, warnings);
        var principals = new List<Subject>();
        foreach (var user in details.Users)
        {
            principals.Add(compiler.ForUser(user));
        }

        foreach (var role in details.Roles)
        {
            principals.Add(compiler.ForRole(role));
        }

        var entries = new List<DbUserAccess>();
        foreach (var cluster in clusters.OrderBy(c => c.Identifier, StringComparer.Ordinal))
        {
            foreach (var candidate in Candidates(principals, cluster).OrderBy(c => c, StringComparer.Ordinal))
            {
                var grants = Evaluate(cluster, candidate, principals, details, time);
                if (grants.Count > 0)
                {
                    entries.Add(new DbUserAccess(cluster.Identifier, candidate, IsPattern(candidate), grants));
                }
            }
        }

        return new AccessReviewReport(entries, warnings);
    }

    private static List<AccessGrant> Evaluate(ClusterRef cluster, string dbUser, List<Subject> principals, AuthorizationDetails details, TimeProvider? time)
    {
        var resource = $"arn:aws:redshift:{cluster.Region}:{cluster.AccountId}:dbuser:{cluster.Identifier}/{dbUser}";
        var grants = new List<AccessGrant>();
        var groupGrants = new SortedDictionary<string, (SortedSet<string> Statements, SortedSet<string> Members)>(StringComparer.Ordinal);
        foreach (var subject in principals)
        {
            var context = new RequestContext(time) { RequestedRegion = cluster.Region };
            context.Set("redshift:DbUser", dbUser);
            var result = PolicyExplainer.Explain(new AuthorizationRequest(subject.Principal, Action, resource, context), subject.Policies);
            if (result.Decision != Decision.Allow)
            {
                continue;
            }

            var statements = result.DeterminingStatements.Select(Label).Distinct().ToList();
            grants.Add(new AccessGrant(subject.Kind, subject.Name, subject.Arn, statements, []) { Federated = subject.Federated });
            foreach (var statement in result.DeterminingStatements)
            {
                if (subject.GroupOfPolicy.TryGetValue(statement.PolicyName, out var group))
                {
                    if (!groupGrants.TryGetValue(group, out var entry))
                    {
                        entry = (new SortedSet<string>(StringComparer.Ordinal), new SortedSet<string>(StringComparer.Ordinal));
                        groupGrants[group] = entry;
                    }

                    entry.Statements.Add(Label(statement));
                    entry.Members.Add(subject.Name);
                }
            }
        }

        foreach (var (group, entry) in groupGrants)
        {
            var arn = details.Groups.FirstOrDefault(g => g.Name == group)?.Arn ?? group;
            grants.Add(new AccessGrant(ReviewPrincipalKind.Group, group, arn, [.. entry.Statements], [.. entry.Members]));
        }

        return [.. grants.OrderBy(g => g.Kind).ThenBy(g => g.Name, StringComparer.Ordinal)];
    }

    private static string Label(StatementReference statement)
    {
        var where = statement.Sid is { Length: > 0 } sid ? sid : $"statement {statement.StatementIndex}";
        var kind = statement.Kind == PolicyType.PermissionsBoundary ? " [boundary]" : string.Empty;
        return $"{statement.PolicyName}#{where}{kind}";
    }

    private static bool IsPattern(string dbUser) => dbUser.Contains('*', StringComparison.Ordinal) || dbUser.Contains('?', StringComparison.Ordinal);

    /// <summary>The database users (and patterns) that allowing statements name for this cluster.</summary>
    /// <remarks>
    /// <c>${aws:username}</c> becomes the name of each user holding the policy (roles have no user name); any other
    /// variable, e.g. <c>${redshift:DbUser}</c>, becomes <c>*</c>, a pattern the evaluation then confirms or not.
    /// </remarks>
    private static HashSet<string> Candidates(IEnumerable<Subject> subjects, ClusterRef cluster)
    {
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var subject in subjects)
        {
            foreach (var document in subject.Documents)
            {
                AddCandidates(document, subject, cluster, candidates);
            }
        }

        return candidates;
    }

    private static void AddCandidates(PolicyDocument document, Subject subject, ClusterRef cluster, HashSet<string> candidates)
    {
        void Add(string userPattern)
        {
            var template = VariablePattern().Replace(userPattern, m => m.Value.Equals("${aws:username}", StringComparison.OrdinalIgnoreCase) ? UserNameMarker : "*");
            if (template.Contains(UserNameMarker, StringComparison.Ordinal))
            {
                if (subject.Kind != ReviewPrincipalKind.User)
                {
                    return;
                }

                template = template.Replace(UserNameMarker, subject.Name, StringComparison.Ordinal);
            }

            candidates.Add(template);
        }

        foreach (var statement in document.Statements)
        {
            if (statement.Effect != PolicyEffect.Allow || !CoversAction(statement.Action))
            {
                continue;
            }

            if (statement.Resource is not { IsNot: false } resource)
            {
                Add("*");
            }
            else
            {
                foreach (var value in resource.Values)
                {
                    if (DbUserPattern(value, cluster) is { } userPattern)
                    {
                        Add(userPattern);
                    }
                }
            }

            foreach (var condition in statement.Conditions)
            {
                if (condition.Key.Equals("redshift:DbUser", StringComparison.OrdinalIgnoreCase)
                    && condition.Operator.Replace("IfExists", string.Empty, StringComparison.Ordinal) is "StringEquals" or "StringEqualsIgnoreCase" or "StringLike")
                {
                    foreach (var value in condition.Values)
                    {
                        Add(value);
                    }
                }
            }
        }
    }

    private const string WebIdentityAction = "sts:AssumeRoleWithWebIdentity";
    private const string SamlAction = "sts:AssumeRoleWithSAML";
    private static readonly string[] FederatedActions = [WebIdentityAction, SamlAction];

    private static bool CoversAction(ActionElement action) => CoversAction(action, Action);

    private static bool CoversAction(ActionElement action, string name)
    {
        var any = action.Values.Any(p => WildcardPattern.Matches(p, name, ignoreCase: true));
        return action.IsNot ? !any : any;
    }

    /// <summary>The database-user part of a resource pattern that can name a dbuser of <paramref name="cluster"/>.</summary>
    internal static string? DbUserPattern(string resource, ClusterRef cluster)
    {
        if (resource == "*")
        {
            return "*";
        }

        var parts = resource.Split(':', 6);
        if (parts.Length < 6 || !WildcardPattern.Matches(parts[0], "arn", false) || !WildcardPattern.Matches(parts[2], "redshift", false)
            || !WildcardPattern.Matches(parts[3], cluster.Region, false) || !WildcardPattern.Matches(parts[4], cluster.AccountId, false))
        {
            return null;
        }

        var rest = parts[5];
        if (rest.All(c => c == '*'))
        {
            return "*";
        }

        string clusterPattern, userPattern;
        if (rest.StartsWith("dbuser:", StringComparison.Ordinal))
        {
            var path = rest["dbuser:".Length..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            (clusterPattern, userPattern) = slash < 0 ? (path, path.EndsWith('*') ? "*" : string.Empty) : (path[..slash], path[(slash + 1)..]);
        }
        else if (rest.EndsWith('*') && WildcardPattern.Matches(rest, "dbuser:" + cluster.Identifier + "/x", false))
        {
            // e.g. "db*": a prefix wildcard that reaches every database user.
            return "*";
        }
        else
        {
            return null;
        }

        return userPattern.Length > 0 && WildcardPattern.Matches(VariablePattern().Replace(clusterPattern, "*"), cluster.Identifier, false) ? userPattern : null;
    }

    [GeneratedRegex(@"\$\{[^}]*\}")]
    private static partial Regex VariablePattern();

    /// <summary>A principal to evaluate: who it is and its complete policy set.</summary>
    private sealed record Subject(
        ReviewPrincipalKind Kind,
        string Name,
        string Arn,
        PrincipalInfo Principal,
        PolicySet Policies,
        IReadOnlyDictionary<string, string> GroupOfPolicy)
    {
        public IReadOnlyList<FederatedAccess> Federated { get; init; } = [];

        public IEnumerable<PolicyDocument> Documents => Policies.IdentityPolicies.Select(p => p.Document);
    }

    /// <summary>Parses and compiles each document once per role it plays, and remembers which came through a group.</summary>
    private sealed class Compiler(AuthorizationDetails details, List<string> warnings)
    {
        private readonly Dictionary<string, ManagedPolicyDetail> _managed = details.Policies.ToDictionary(p => p.Arn, StringComparer.Ordinal);
        private readonly Dictionary<(string Name, PolicyType Type), CompiledPolicy?> _compiled = [];
        private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

        public Subject ForUser(UserDetail user)
        {
            var identity = new List<CompiledPolicy>();
            var groupOfPolicy = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var arn in user.AttachedPolicyArns)
            {
                AddManaged(identity, arn, string.Empty);
            }

            foreach (var inline in user.InlinePolicies)
            {
                Add(identity, $"user/{user.Name}/{inline.Name}", null, inline.Document, PolicyKind.InlineUser);
            }

            foreach (var groupName in user.Groups)
            {
                if (details.Groups.FirstOrDefault(g => g.Name == groupName) is not { } group)
                {
                    Warn($"user {user.Name} is in group {groupName}, which the account details do not list");
                    continue;
                }

                foreach (var arn in group.AttachedPolicyArns)
                {
                    if (AddManaged(identity, arn, $" (group {group.Name})") is { } name)
                    {
                        groupOfPolicy[name] = group.Name;
                    }
                }

                foreach (var inline in group.InlinePolicies)
                {
                    var name = $"group/{group.Name}/{inline.Name}";
                    if (Add(identity, name, null, inline.Document, PolicyKind.InlineGroup))
                    {
                        groupOfPolicy[name] = group.Name;
                    }
                }
            }

            var principal = PrincipalInfo.User(details.AccountId, user.Name, user.UserId, user.Path, user.Tags, user.PermissionsBoundaryArn is not null);
            return new Subject(ReviewPrincipalKind.User, user.Name, user.Arn, principal, Set(identity, user.PermissionsBoundaryArn), groupOfPolicy);
        }

        public Subject ForRole(RoleDetail role)
        {
            var identity = new List<CompiledPolicy>();
            foreach (var arn in role.AttachedPolicyArns)
            {
                AddManaged(identity, arn, string.Empty);
            }

            foreach (var inline in role.InlinePolicies)
            {
                Add(identity, $"role/{role.Name}/{inline.Name}", null, inline.Document, PolicyKind.InlineRole);
            }

            var principal = PrincipalInfo.AssumedRole(details.AccountId, role.Name, role.RoleId, "access-review", role.Path, role.Tags, role.PermissionsBoundaryArn is not null);
            return new Subject(ReviewPrincipalKind.Role, role.Name, role.Arn, principal, Set(identity, role.PermissionsBoundaryArn), new Dictionary<string, string>())
            {
                Federated = FederatedWaysIn(role),
            };
        }

        /// <summary>
        /// The trust policy's allowed federated principals for the two federated STS actions. A Deny statement that could
        /// take such a way in away is reported as a warning rather than interpreted (conditions on claims cannot be
        /// decided without the claims).
        /// </summary>
        private List<FederatedAccess> FederatedWaysIn(RoleDetail role)
        {
            var ways = new List<FederatedAccess>();
            if (role.TrustPolicy is not { } trust || PolicyParser.Parse(trust, PolicyKind.Trust).Document is not { } document)
            {
                return ways;
            }

            for (var i = 0; i < document.Statements.Count; i++)
            {
                var statement = document.Statements[i];
                if (statement.Principal is not { IsNot: false } principal)
                {
                    continue;
                }

                var providers = principal.IsWildcard
                    ? ["*"]
                    : principal.Values.Where(v => v.Key.Equals("Federated", StringComparison.OrdinalIgnoreCase)).SelectMany(v => v.Value).ToList();
                if (providers.Count == 0)
                {
                    continue;
                }

                foreach (var action in FederatedActions.Where(a => CoversAction(statement.Action, a)))
                {
                    if (statement.Effect == PolicyEffect.Deny)
                    {
                        Warn($"role {role.Name}'s trust policy denies {action} to {string.Join(", ", providers)} in statement "
                            + $"{statement.Sid ?? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}; the federated ways in listed for it may be narrower");
                        continue;
                    }

                    var conditions = statement.Conditions
                        .Select(c => $"{c.Key} {c.Operator} {string.Join(" | ", c.Values)}")
                        .ToList();
                    var label = $"trust#{(statement.Sid is { Length: > 0 } sid ? sid : $"statement {i}")}";
                    foreach (var provider in providers)
                    {
                        ways.Add(new FederatedAccess(provider, action, conditions, label));
                    }
                }
            }

            return ways;
        }

        private PolicySet Set(List<CompiledPolicy> identity, string? boundaryArn)
        {
            CompiledPolicy? boundary = null;
            if (boundaryArn is not null)
            {
                if (_managed.TryGetValue(boundaryArn, out var policy))
                {
                    boundary = Compile(policy.Name, policy.Arn, policy.Document, PolicyKind.PermissionsBoundary);
                }
                else
                {
                    Warn($"permissions boundary {boundaryArn} is not in the account details; its holders are evaluated as allowed nothing");
                }

                // A boundary that cannot be read allows nothing: safer to under-report than to list access that is not there.
                boundary ??= CompiledPolicy.Compile(new PolicyDocument(PolicyDocument.Version2012, null, []), PolicyType.PermissionsBoundary, boundaryArn, boundaryArn);
            }

            return new PolicySet { IdentityPolicies = [.. identity], PermissionsBoundary = boundary };
        }

        private string? AddManaged(List<CompiledPolicy> into, string arn, string suffix)
        {
            if (!_managed.TryGetValue(arn, out var policy))
            {
                Warn($"managed policy {arn} is attached but not in the account details; it is left out");
                return null;
            }

            var name = policy.Name + suffix;
            return Add(into, name, policy.Arn, policy.Document, PolicyKind.Identity) ? name : null;
        }

        private bool Add(List<CompiledPolicy> into, string name, string? arn, string document, PolicyKind kind)
        {
            if (Compile(name, arn, document, kind) is not { } compiled)
            {
                return false;
            }

            into.Add(compiled);
            return true;
        }

        private CompiledPolicy? Compile(string name, string? arn, string document, PolicyKind kind)
        {
            var type = kind.ToPolicyType();
            if (_compiled.TryGetValue((name, type), out var cached))
            {
                return cached;
            }

            var parsed = PolicyParser.Parse(document, kind);
            CompiledPolicy? compiled = null;
            if (parsed.Document is { } doc)
            {
                compiled = CompiledPolicy.Compile(doc, type, name, arn);
            }
            else
            {
                Warn($"policy {name} does not parse ({parsed.Errors[0].Message}); it is left out");
            }

            _compiled[(name, type)] = compiled;
            return compiled;
        }

        private void Warn(string message)
        {
            if (_warned.Add(message))
            {
                warnings.Add(message);
            }
        }
    }
}
