using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.State.Sql;

/// <summary>The per-kind repositories of one transaction.</summary>
internal sealed class SqlStateSession(SqlSession session) : IStateWriter
{
    public IUserWriter Users { get; } = new SqlUsers(session);

    public IGroupWriter Groups { get; } = new SqlGroups(session);

    public IRoleWriter Roles { get; } = new SqlRoles(session);

    public IManagedPolicyWriter Policies { get; } = new SqlManagedPolicies(session);

    public IInlinePolicyWriter InlinePolicies { get; } = new SqlInlinePolicies(session);

    public IAccessKeyWriter AccessKeys { get; } = new SqlAccessKeys(session);

    public ISessionWriter Sessions { get; } = new SqlSessions(session);

    public IGuardrailWriter Guardrails { get; } = new SqlGuardrails(session);

    public IClusterWriter Clusters { get; } = new SqlClusters(session);

    public ICredentialWriter Credentials { get; } = new SqlCredentials(session);

    public IAuditWriter Audit { get; } = new SqlAudit(session);

    public IIdentityProviderWriter IdentityProviders { get; } = new SqlIdentityProviders(session);

    IUserReader IStateReader.Users => Users;

    IGroupReader IStateReader.Groups => Groups;

    IRoleReader IStateReader.Roles => Roles;

    IManagedPolicyReader IStateReader.Policies => Policies;

    IInlinePolicyReader IStateReader.InlinePolicies => InlinePolicies;

    IAccessKeyReader IStateReader.AccessKeys => AccessKeys;

    ISessionReader IStateReader.Sessions => Sessions;

    IGuardrailReader IStateReader.Guardrails => Guardrails;

    IClusterReader IStateReader.Clusters => Clusters;

    ICredentialReader IStateReader.Credentials => Credentials;

    IAuditReader IStateReader.Audit => Audit;

    IIdentityProviderReader IStateReader.IdentityProviders => IdentityProviders;
}
