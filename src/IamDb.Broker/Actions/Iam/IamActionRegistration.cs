using IamDb.Broker.Actions.Iam.AccessKeys;
using IamDb.Broker.Actions.Iam.Attachments;
using IamDb.Broker.Actions.Iam.Groups;
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
    /// <summary>Adds every IAM handler and the credential report cache.</summary>
    public static IServiceCollection AddIamActions(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<CredentialReportCache>();
        foreach (var handler in CreateHandlers())
        {
            services.AddSingleton<IActionHandler>(handler);
        }

        services.AddSingleton<IActionHandler>(sp => new GenerateCredentialReportHandler(sp.GetRequiredService<CredentialReportCache>()));
        services.AddSingleton<IActionHandler>(sp => new GetCredentialReportHandler(sp.GetRequiredService<CredentialReportCache>()));
        return services;
    }

    /// <summary>The stateless handlers (everything but the credential report pair, which shares a cache).</summary>
    public static IEnumerable<IActionHandler> CreateHandlers()
    {
        yield return new CreateUserHandler();
        yield return new GetUserHandler();
        yield return new ListUsersHandler();
        yield return new UpdateUserHandler();
        yield return new DeleteUserHandler();

        yield return new CreateGroupHandler();
        yield return new GetGroupHandler();
        yield return new ListGroupsHandler();
        yield return new DeleteGroupHandler();
        yield return new GroupMembershipHandler(add: true);
        yield return new GroupMembershipHandler(add: false);
        yield return new ListGroupsForUserHandler();

        yield return new CreateRoleHandler();
        yield return new GetRoleHandler();
        yield return new ListRolesHandler();
        yield return new UpdateRoleHandler();
        yield return new UpdateAssumeRolePolicyHandler();
        yield return new DeleteRoleHandler();

        yield return new CreatePolicyHandler();
        yield return new GetPolicyHandler();
        yield return new ListPoliciesHandler();
        yield return new DeletePolicyHandler();
        yield return new CreatePolicyVersionHandler();
        yield return new GetPolicyVersionHandler();
        yield return new ListPolicyVersionsHandler();
        yield return new PolicyVersionChangeHandler(delete: false);
        yield return new PolicyVersionChangeHandler(delete: true);

        foreach (var kind in new[] { PrincipalKind.User, PrincipalKind.Group, PrincipalKind.Role })
        {
            yield return new AttachmentHandler(kind, attach: true);
            yield return new AttachmentHandler(kind, attach: false);
            yield return new ListAttachedPoliciesHandler(kind);
            yield return new PutInlinePolicyHandler(kind);
            yield return new GetInlinePolicyHandler(kind);
            yield return new ListInlinePoliciesHandler(kind);
            yield return new DeleteInlinePolicyHandler(kind);
        }

        yield return new ListEntitiesForPolicyHandler();

        foreach (var kind in new[] { PrincipalKind.User, PrincipalKind.Role })
        {
            yield return new PermissionsBoundaryHandler(kind, put: true);
            yield return new PermissionsBoundaryHandler(kind, put: false);
            yield return new TagChangeHandler(kind, tag: true);
            yield return new TagChangeHandler(kind, tag: false);
            yield return new ListTagsHandler(kind);
        }

        yield return new CreateAccessKeyHandler();
        yield return new ListAccessKeysHandler();
        yield return new AccessKeyChangeHandler(delete: false);
        yield return new AccessKeyChangeHandler(delete: true);
        yield return new GetAccessKeyLastUsedHandler();

        yield return new AccountAuthorizationDetailsHandler();
    }
}
