using IamDb.Broker.Actions.Iam.AccessKeys;
using IamDb.Broker.Actions.Iam.Attachments;
using IamDb.Broker.Actions.Iam.Groups;
using IamDb.Broker.Actions.Iam.IdentityProviders;
using IamDb.Broker.Actions.Iam.InlinePolicies;
using IamDb.Broker.Actions.Iam.Policies;
using IamDb.Broker.Actions.Iam.Reports;
using IamDb.Broker.Actions.Iam.Roles;
using IamDb.Broker.Actions.Iam.Tags;
using IamDb.Broker.Actions.Iam.Users;
using IamDb.Broker.State.Iam;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Actions.Iam;

/// <summary>Registers IamDb's IAM actions (all but the Simulate* ones) as singleton <see cref="IActionHandler"/>s.</summary>
internal static class IamActionRegistration
{
    private static readonly PrincipalKind[] AllPrincipalKinds = [PrincipalKind.User, PrincipalKind.Group, PrincipalKind.Role];

    private static readonly PrincipalKind[] TaggableKinds = [PrincipalKind.User, PrincipalKind.Role];

    /// <summary>Adds every IAM handler and the credential report cache.</summary>
    public static IServiceCollection AddIamActions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<CredentialReportCache>();
        services
            .AddAction<CreateUserHandler>()
            .AddAction<GetUserHandler>()
            .AddAction<ListUsersHandler>()
            .AddAction<UpdateUserHandler>()
            .AddAction<DeleteUserHandler>();

        services
            .AddAction<CreateGroupHandler>()
            .AddAction<GetGroupHandler>()
            .AddAction<ListGroupsHandler>()
            .AddAction<DeleteGroupHandler>()
            .AddAction<GroupMembershipHandler>(true)
            .AddAction<GroupMembershipHandler>(false)
            .AddAction<ListGroupsForUserHandler>();

        services
            .AddAction<CreateRoleHandler>()
            .AddAction<GetRoleHandler>()
            .AddAction<ListRolesHandler>()
            .AddAction<UpdateRoleHandler>()
            .AddAction<UpdateAssumeRolePolicyHandler>()
            .AddAction<DeleteRoleHandler>();

        services
            .AddAction<CreatePolicyHandler>()
            .AddAction<GetPolicyHandler>()
            .AddAction<ListPoliciesHandler>()
            .AddAction<DeletePolicyHandler>()
            .AddAction<CreatePolicyVersionHandler>()
            .AddAction<GetPolicyVersionHandler>()
            .AddAction<ListPolicyVersionsHandler>()
            .AddAction<PolicyVersionChangeHandler>(false)
            .AddAction<PolicyVersionChangeHandler>(true);

        foreach (var kind in AllPrincipalKinds)
        {
            services
                .AddAction<AttachmentHandler>(kind, true)
                .AddAction<AttachmentHandler>(kind, false)
                .AddAction<ListAttachedPoliciesHandler>(kind)
                .AddAction<PutInlinePolicyHandler>(kind)
                .AddAction<GetInlinePolicyHandler>(kind)
                .AddAction<ListInlinePoliciesHandler>(kind)
                .AddAction<DeleteInlinePolicyHandler>(kind);
        }

        services.AddAction<ListEntitiesForPolicyHandler>();

        foreach (var kind in TaggableKinds)
        {
            services
                .AddAction<PermissionsBoundaryHandler>(kind, true)
                .AddAction<PermissionsBoundaryHandler>(kind, false)
                .AddAction<TagChangeHandler>(kind, true)
                .AddAction<TagChangeHandler>(kind, false)
                .AddAction<ListTagsHandler>(kind);
        }

        services
            .AddAction<CreateOpenIdConnectProviderHandler>()
            .AddAction<GetOpenIdConnectProviderHandler>()
            .AddAction<ListOpenIdConnectProvidersHandler>()
            .AddAction<DeleteOpenIdConnectProviderHandler>()
            .AddAction<OpenIdConnectClientIdHandler>(true)
            .AddAction<OpenIdConnectClientIdHandler>(false)
            .AddAction<UpdateOpenIdConnectProviderThumbprintHandler>()
            .AddAction<CreateSamlProviderHandler>()
            .AddAction<GetSamlProviderHandler>()
            .AddAction<ListSamlProvidersHandler>()
            .AddAction<UpdateSamlProviderHandler>()
            .AddAction<DeleteSamlProviderHandler>();
        foreach (var kind in new[] { IdentityProviderKind.OpenIdConnect, IdentityProviderKind.Saml })
        {
            services
                .AddAction<IdentityProviderTagChangeHandler>(kind, true)
                .AddAction<IdentityProviderTagChangeHandler>(kind, false)
                .AddAction<ListIdentityProviderTagsHandler>(kind);
        }

        return services
            .AddAction<CreateAccessKeyHandler>()
            .AddAction<ListAccessKeysHandler>()
            .AddAction<AccessKeyChangeHandler>(false)
            .AddAction<AccessKeyChangeHandler>(true)
            .AddAction<GetAccessKeyLastUsedHandler>()
            .AddAction<AccountAuthorizationDetailsHandler>()
            .AddAction<GenerateCredentialReportHandler>()
            .AddAction<GetCredentialReportHandler>();
    }
}
