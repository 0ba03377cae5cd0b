namespace IamDb.Policy.Evaluation;

/// <summary>
/// Who is making a request, with the principal-derived context keys (<c>aws:userid</c>, <c>aws:username</c>,
/// <c>aws:PrincipalArn</c>, <c>aws:PrincipalAccount</c>, <c>aws:PrincipalType</c>, <c>aws:PrincipalTag/*</c>) built
/// once. Immutable and thread-safe: the broker can cache one per identity and reuse it for every request.
/// </summary>
public sealed class PrincipalInfo
{
    private readonly Dictionary<string, ContextEntry> _tagEntries;

    /// <summary>Creates a principal from all its parts; prefer the factory methods.</summary>
    /// <param name="type">The principal type.</param>
    /// <param name="arn">The principal's ARN (the session ARN for sessions); <c>anonymous</c> for anonymous callers.</param>
    /// <param name="accountId">The 12-digit account; null for anonymous and service principals.</param>
    /// <param name="userId">The <c>aws:userid</c> value (AIDA… for users, <c>ROLEID:session</c> for role sessions).</param>
    /// <param name="userName">The IAM user name (IAM users only).</param>
    /// <param name="roleArn">For a role session, the role's ARN (with path): <c>aws:PrincipalArn</c> and the role principal.</param>
    /// <param name="sourceUserArn">For a federated user, the ARN of the IAM user who called GetFederationToken.</param>
    /// <param name="serviceName">For a service principal, its name (<c>redshift.amazonaws.com</c>).</param>
    /// <param name="tags">Principal tags (for a role session: role tags merged with session tags).</param>
    /// <param name="hasPermissionsBoundary">Whether a permissions boundary is attached (the NotPrincipal quirk needs it).</param>
    /// <param name="federatedProvider">For a web identity or SAML user, the identity provider's ARN (a trust policy's
    /// <c>Federated</c> principal).</param>
    public PrincipalInfo(
        PrincipalType type,
        string arn,
        string? accountId,
        string? userId = null,
        string? userName = null,
        string? roleArn = null,
        string? sourceUserArn = null,
        string? serviceName = null,
        IReadOnlyDictionary<string, string>? tags = null,
        bool hasPermissionsBoundary = false,
        string? federatedProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(arn);
        FederatedProvider = federatedProvider;
        Type = type;
        Arn = arn;
        AccountId = accountId;
        UserId = userId;
        UserName = userName;
        RoleArn = roleArn;
        SourceUserArn = sourceUserArn;
        ServiceName = serviceName;
        Tags = tags ?? new Dictionary<string, string>();
        HasPermissionsBoundary = hasPermissionsBoundary;

        UserIdEntry = userId is null ? null : ContextEntry.OfText(userId);
        UserNameEntry = userName is null ? null : ContextEntry.OfText(userName);
        var principalArn = type == PrincipalType.AssumedRole && roleArn is not null ? roleArn : arn;
        PrincipalArnEntry = type is PrincipalType.Anonymous or PrincipalType.Service or PrincipalType.WebIdentityUser or PrincipalType.SamlUser ? null : ContextEntry.OfText(principalArn);
        AccountEntry = accountId is null ? null : ContextEntry.OfText(accountId);
        var typeName = type switch
        {
            PrincipalType.Root => "Account",
            PrincipalType.User => "User",
            PrincipalType.AssumedRole => "AssumedRole",
            PrincipalType.FederatedUser => "FederatedUser",
            PrincipalType.Anonymous => "Anonymous",
            PrincipalType.WebIdentityUser => "WebIdentityUser",
            PrincipalType.SamlUser => "SAMLUser",
            _ => null,
        };
        TypeEntry = typeName is null ? null : ContextEntry.OfText(typeName);
        _tagEntries = new Dictionary<string, ContextEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Tags)
        {
            _tagEntries[key] = ContextEntry.OfText(value);
        }
    }

    /// <summary>The principal type.</summary>
    public PrincipalType Type { get; }

    /// <summary>The ARN shown in AccessDenied messages (the session ARN for sessions).</summary>
    public string Arn { get; }

    /// <summary>The account the principal belongs to, or null.</summary>
    public string? AccountId { get; }

    /// <summary>The <c>aws:userid</c> value.</summary>
    public string? UserId { get; }

    /// <summary>The IAM user name (<c>aws:username</c>), for IAM users only.</summary>
    public string? UserName { get; }

    /// <summary>For a role session, the role ARN.</summary>
    public string? RoleArn { get; }

    /// <summary>For a federated user, the IAM user who federated.</summary>
    public string? SourceUserArn { get; }

    /// <summary>For a service principal, the service name.</summary>
    public string? ServiceName { get; }

    /// <summary>For a web identity or SAML user, the identity provider's ARN; null otherwise.</summary>
    public string? FederatedProvider { get; }

    /// <summary>The principal tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Whether a permissions boundary is attached.</summary>
    public bool HasPermissionsBoundary { get; }

    /// <summary>True for role sessions and federated user sessions (session policies apply to them).</summary>
    public bool IsSession => Type is PrincipalType.AssumedRole or PrincipalType.FederatedUser;

    /// <summary>The anonymous caller.</summary>
    public static PrincipalInfo Anonymous { get; } = new(PrincipalType.Anonymous, "anonymous", null);

    internal ContextEntry? UserIdEntry { get; }

    internal ContextEntry? UserNameEntry { get; }

    internal ContextEntry? PrincipalArnEntry { get; }

    internal ContextEntry? AccountEntry { get; }

    internal ContextEntry? TypeEntry { get; }

    /// <summary>The account root user: <c>aws:userid</c> is the account id.</summary>
    public static PrincipalInfo Root(string accountId, string partition = "aws") =>
        new(PrincipalType.Root, $"arn:{partition}:iam::{accountId}:root", accountId, userId: accountId);

    /// <summary>An IAM user.</summary>
    public static PrincipalInfo User(
        string accountId,
        string userName,
        string userId,
        string path = "/",
        IReadOnlyDictionary<string, string>? tags = null,
        bool hasPermissionsBoundary = false,
        string partition = "aws") =>
        new(PrincipalType.User, $"arn:{partition}:iam::{accountId}:user{path}{userName}", accountId, userId, userName,
            tags: tags, hasPermissionsBoundary: hasPermissionsBoundary);

    /// <summary>A role session: <c>aws:userid</c> is <c>ROLEID:session</c> and <c>aws:PrincipalArn</c> the role ARN.</summary>
    public static PrincipalInfo AssumedRole(
        string accountId,
        string roleName,
        string roleId,
        string sessionName,
        string path = "/",
        IReadOnlyDictionary<string, string>? tags = null,
        bool hasPermissionsBoundary = false,
        string partition = "aws") =>
        new(PrincipalType.AssumedRole, $"arn:{partition}:sts::{accountId}:assumed-role/{roleName}/{sessionName}", accountId,
            $"{roleId}:{sessionName}", roleArn: $"arn:{partition}:iam::{accountId}:role{path}{roleName}", tags: tags,
            hasPermissionsBoundary: hasPermissionsBoundary);

    /// <summary>A federated user session (GetFederationToken): <c>aws:userid</c> is <c>account:name</c>.</summary>
    public static PrincipalInfo FederatedUser(
        string accountId,
        string name,
        string sourceUserArn,
        IReadOnlyDictionary<string, string>? tags = null,
        bool hasPermissionsBoundary = false,
        string partition = "aws") =>
        new(PrincipalType.FederatedUser, $"arn:{partition}:sts::{accountId}:federated-user/{name}", accountId, $"{accountId}:{name}",
            sourceUserArn: sourceUserArn, tags: tags, hasPermissionsBoundary: hasPermissionsBoundary);

    /// <summary>
    /// The bearer of a verified token or assertion of <paramref name="providerArn"/>, before it has a session: only a trust
    /// policy naming the provider as <c>Federated</c> can allow it anything.
    /// </summary>
    /// <param name="type"><see cref="PrincipalType.WebIdentityUser"/> or <see cref="PrincipalType.SamlUser"/>.</param>
    /// <param name="providerArn">The OIDC or SAML provider's ARN.</param>
    /// <param name="userId">The <c>aws:userid</c> value (for example <c>provider:aud:sub</c>), or null.</param>
    public static PrincipalInfo IdentityProviderUser(PrincipalType type, string providerArn, string? userId = null)
    {
        if (type is not (PrincipalType.WebIdentityUser or PrincipalType.SamlUser))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "A web identity or SAML user is expected.");
        }

        ArgumentException.ThrowIfNullOrEmpty(providerArn);
        return new(type, providerArn, null, userId, federatedProvider: providerArn);
    }

    /// <summary>An AWS service principal.</summary>
    public static PrincipalInfo Service(string serviceName) =>
        new(PrincipalType.Service, serviceName, null, serviceName: serviceName);

    internal ContextEntry? TagEntry(string tagKey) => _tagEntries.GetValueOrDefault(tagKey);
}
