using IamDb.Broker.Actions;
using IamDb.Broker.Actions.Iam;
using IamDb.Broker.Tests.Actions.IdentityProviders;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Tests.Actions.Iam;

/// <summary>
/// The (authorization action, resource ARN) every IAM handler asks for, and proof that each one asks before it writes:
/// denied, it leaves the store exactly as it was. Rows run against a fixture with user <c>/eng/alice</c>, group
/// <c>/g/devs</c>, role <c>/r/app</c>, policy <c>/p/P</c> and one access key of alice (<c>{key}</c>).
/// </summary>
public sealed class AuthorizationTableTests : IamHandlerTestBase
{
    private const string A = "arn:aws:iam::123456789012:";
    private const string User = A + "user/eng/alice";
    private const string Group = A + "group/g/devs";
    private const string Role = A + "role/r/app";
    private const string Policy = A + "policy/p/P";
    private const string Oidc = A + "oidc-provider/idp.example";
    private const string Saml = A + "saml-provider/Okta";

    private static readonly Dictionary<string, ((string, string)[] Parameters, string Resource)> Table = new()
    {
        ["CreateUser"] = ([("UserName", "new"), ("Path", "/x/")], A + "user/x/new"),
        ["GetUser"] = ([("UserName", "alice")], User),
        ["ListUsers"] = ([("PathPrefix", "/eng/")], A + "user/eng/"),
        ["UpdateUser"] = ([("UserName", "alice"), ("NewUserName", "alice2")], User),
        ["DeleteUser"] = ([("UserName", "alice")], User),
        ["CreateGroup"] = ([("GroupName", "new")], A + "group/new"),
        ["GetGroup"] = ([("GroupName", "devs")], Group),
        ["ListGroups"] = ([], A + "group/"),
        ["DeleteGroup"] = ([("GroupName", "devs")], Group),
        ["AddUserToGroup"] = ([("GroupName", "devs"), ("UserName", "alice")], Group),
        ["RemoveUserFromGroup"] = ([("GroupName", "devs"), ("UserName", "alice")], Group),
        ["ListGroupsForUser"] = ([("UserName", "alice")], User),
        ["CreateRole"] = ([("RoleName", "new"), ("AssumeRolePolicyDocument", Trust)], A + "role/new"),
        ["GetRole"] = ([("RoleName", "app")], Role),
        ["ListRoles"] = ([], A + "role/"),
        ["UpdateRole"] = ([("RoleName", "app"), ("Description", "d")], Role),
        ["UpdateAssumeRolePolicy"] = ([("RoleName", "app"), ("PolicyDocument", Trust.Replace("ec2", "lambda", StringComparison.Ordinal))], Role),
        ["DeleteRole"] = ([("RoleName", "app")], Role),
        ["CreatePolicy"] = ([("PolicyName", "New"), ("PolicyDocument", AllowS3)], A + "policy/New"),
        ["GetPolicy"] = ([("PolicyArn", Policy)], Policy),
        ["ListPolicies"] = ([], A + "policy/"),
        ["DeletePolicy"] = ([("PolicyArn", Policy)], Policy),
        ["CreatePolicyVersion"] = ([("PolicyArn", Policy), ("PolicyDocument", AllowEc2)], Policy),
        ["GetPolicyVersion"] = ([("PolicyArn", Policy), ("VersionId", "v1")], Policy),
        ["ListPolicyVersions"] = ([("PolicyArn", Policy)], Policy),
        ["SetDefaultPolicyVersion"] = ([("PolicyArn", Policy), ("VersionId", "v1")], Policy),
        ["DeletePolicyVersion"] = ([("PolicyArn", Policy), ("VersionId", "v1")], Policy),
        ["AttachUserPolicy"] = ([("UserName", "alice"), ("PolicyArn", Policy)], User),
        ["DetachUserPolicy"] = ([("UserName", "alice"), ("PolicyArn", Policy)], User),
        ["ListAttachedUserPolicies"] = ([("UserName", "alice")], User),
        ["AttachGroupPolicy"] = ([("GroupName", "devs"), ("PolicyArn", Policy)], Group),
        ["DetachGroupPolicy"] = ([("GroupName", "devs"), ("PolicyArn", Policy)], Group),
        ["ListAttachedGroupPolicies"] = ([("GroupName", "devs")], Group),
        ["AttachRolePolicy"] = ([("RoleName", "app"), ("PolicyArn", Policy)], Role),
        ["DetachRolePolicy"] = ([("RoleName", "app"), ("PolicyArn", Policy)], Role),
        ["ListAttachedRolePolicies"] = ([("RoleName", "app")], Role),
        ["ListEntitiesForPolicy"] = ([("PolicyArn", Policy)], Policy),
        ["PutUserPolicy"] = ([("UserName", "alice"), ("PolicyName", "i"), ("PolicyDocument", AllowS3)], User),
        ["GetUserPolicy"] = ([("UserName", "alice"), ("PolicyName", "i")], User),
        ["ListUserPolicies"] = ([("UserName", "alice")], User),
        ["DeleteUserPolicy"] = ([("UserName", "alice"), ("PolicyName", "i")], User),
        ["PutGroupPolicy"] = ([("GroupName", "devs"), ("PolicyName", "i"), ("PolicyDocument", AllowS3)], Group),
        ["GetGroupPolicy"] = ([("GroupName", "devs"), ("PolicyName", "i")], Group),
        ["ListGroupPolicies"] = ([("GroupName", "devs")], Group),
        ["DeleteGroupPolicy"] = ([("GroupName", "devs"), ("PolicyName", "i")], Group),
        ["PutRolePolicy"] = ([("RoleName", "app"), ("PolicyName", "i"), ("PolicyDocument", AllowS3)], Role),
        ["GetRolePolicy"] = ([("RoleName", "app"), ("PolicyName", "i")], Role),
        ["ListRolePolicies"] = ([("RoleName", "app")], Role),
        ["DeleteRolePolicy"] = ([("RoleName", "app"), ("PolicyName", "i")], Role),
        ["PutUserPermissionsBoundary"] = ([("UserName", "alice"), ("PermissionsBoundary", Policy)], User),
        ["DeleteUserPermissionsBoundary"] = ([("UserName", "alice")], User),
        ["PutRolePermissionsBoundary"] = ([("RoleName", "app"), ("PermissionsBoundary", Policy)], Role),
        ["DeleteRolePermissionsBoundary"] = ([("RoleName", "app")], Role),
        ["CreateAccessKey"] = ([("UserName", "alice")], User),
        ["ListAccessKeys"] = ([("UserName", "alice")], User),
        ["UpdateAccessKey"] = ([("UserName", "alice"), ("AccessKeyId", "{key}"), ("Status", "Inactive")], User),
        ["DeleteAccessKey"] = ([("UserName", "alice"), ("AccessKeyId", "{key}")], User),
        ["GetAccessKeyLastUsed"] = ([("AccessKeyId", "{key}")], User),
        ["TagUser"] = ([("UserName", "alice"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], User),
        ["UntagUser"] = ([("UserName", "alice"), ("TagKeys.member.1", "k")], User),
        ["ListUserTags"] = ([("UserName", "alice")], User),
        ["TagRole"] = ([("RoleName", "app"), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], Role),
        ["UntagRole"] = ([("RoleName", "app"), ("TagKeys.member.1", "k")], Role),
        ["ListRoleTags"] = ([("RoleName", "app")], Role),
        ["CreateOpenIDConnectProvider"] = ([("Url", "https://new.example:8443/x")], A + "oidc-provider/new.example:8443/x"),
        ["GetOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc)], Oidc),
        ["ListOpenIDConnectProviders"] = ([], "*"),
        ["DeleteOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc)], Oidc),
        ["AddClientIDToOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc), ("ClientID", "c2")], Oidc),
        ["RemoveClientIDFromOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc), ("ClientID", "c1")], Oidc),
        ["UpdateOpenIDConnectProviderThumbprint"] = ([("OpenIDConnectProviderArn", Oidc), ("ThumbprintList.member.1", new string('b', 40))], Oidc),
        ["TagOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc), ("Tags.member.1.Key", "k2"), ("Tags.member.1.Value", "v")], Oidc),
        ["UntagOpenIDConnectProvider"] = ([("OpenIDConnectProviderArn", Oidc), ("TagKeys.member.1", "k")], Oidc),
        ["ListOpenIDConnectProviderTags"] = ([("OpenIDConnectProviderArn", Oidc)], Oidc),
        ["CreateSAMLProvider"] = ([("Name", "New"), ("SAMLMetadataDocument", "{metadata}")], A + "saml-provider/New"),
        ["GetSAMLProvider"] = ([("SAMLProviderArn", Saml)], Saml),
        ["ListSAMLProviders"] = ([], "*"),
        ["UpdateSAMLProvider"] = ([("SAMLProviderArn", Saml), ("SAMLMetadataDocument", "{rotated}")], Saml),
        ["DeleteSAMLProvider"] = ([("SAMLProviderArn", Saml)], Saml),
        ["TagSAMLProvider"] = ([("SAMLProviderArn", Saml), ("Tags.member.1.Key", "k2"), ("Tags.member.1.Value", "v")], Saml),
        ["UntagSAMLProvider"] = ([("SAMLProviderArn", Saml), ("TagKeys.member.1", "k")], Saml),
        ["ListSAMLProviderTags"] = ([("SAMLProviderArn", Saml)], Saml),
        ["GetAccountAuthorizationDetails"] = ([], "*"),
        ["GenerateCredentialReport"] = ([], "*"),
        ["GetCredentialReport"] = ([], "*"),
    };

    public static TheoryData<string> Actions => [.. Table.Keys];

    private async Task<(string, string)[]> ArrangeAsync(string action)
    {
        await CreateUser("alice", "/eng/");
        (await Call("CreateGroup", ("GroupName", "devs"), ("Path", "/g/"))).Ok();
        (await Call("CreateRole", ("RoleName", "app"), ("Path", "/r/"), ("AssumeRolePolicyDocument", Trust))).Ok();
        (await Call("CreatePolicy", ("PolicyName", "P"), ("Path", "/p/"), ("PolicyDocument", AllowS3))).Ok();
        var key = (await Call("CreateAccessKey", ("UserName", "alice"))).Ok().Value("AccessKey/AccessKeyId")!;
        (await Call("CreateOpenIDConnectProvider", ("Url", "https://idp.example"), ("ClientIDList.member.1", "c1"),
            ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"))).Ok();
        (await Call("CreateSAMLProvider", ("Name", "Okta"), ("SAMLMetadataDocument", SamlMetadataDocuments.First),
            ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"))).Ok();
        return
        [
            .. Table[action].Parameters.Select(p => (p.Item1, p.Item2
                .Replace("{key}", key, StringComparison.Ordinal)
                .Replace("{metadata}", SamlMetadataDocuments.First, StringComparison.Ordinal)
                .Replace("{rotated}", SamlMetadataDocuments.Rotated, StringComparison.Ordinal))),
        ];
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Handler_AuthorizesItsActionOnTheAwsResource(string action)
    {
        var parameters = await ArrangeAsync(action);

        var response = await Call(action, parameters);

        Assert.Equal(("iam:" + action, Table[action].Resource), response.Authorizations[0]);
        Assert.Single(response.Authorizations);
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Handler_Denied_IsAccessDeniedAndChangesNothing(string action)
    {
        var parameters = await ArrangeAsync(action);
        var before = await Iam.SnapshotAsync();
        Iam.Authorizer.Deny = "iam:" + action;

        var message = (await Call(action, parameters)).Fails("AccessDenied", 403);

        Assert.Equal($"User: {IamHarness.RootArn} is not authorized to perform: iam:{action} on resource: {Table[action].Resource}", message);
        Assert.Equal(before, await Iam.SnapshotAsync());
        Assert.Null(Iam.Reports.Get(Account));
    }

    /// <summary>The writes that succeed on the fixture: allowed, each must show in the snapshot, so the denial test above can fail.</summary>
    public static TheoryData<string> Writes =>
    [
        "CreateUser", "UpdateUser", "CreateGroup", "DeleteGroup", "AddUserToGroup", "CreateRole", "UpdateRole", "UpdateAssumeRolePolicy",
        "DeleteRole", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy",
        "PutUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPermissionsBoundary", "PutRolePermissionsBoundary", "CreateAccessKey",
        "UpdateAccessKey", "DeleteAccessKey", "TagUser", "TagRole",
        "CreateOpenIDConnectProvider", "DeleteOpenIDConnectProvider", "AddClientIDToOpenIDConnectProvider", "RemoveClientIDFromOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint", "TagOpenIDConnectProvider", "UntagOpenIDConnectProvider",
        "CreateSAMLProvider", "UpdateSAMLProvider", "DeleteSAMLProvider", "TagSAMLProvider", "UntagSAMLProvider",
    ];

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Snapshot_Allowed_SeesTheChange(string action)
    {
        var parameters = await ArrangeAsync(action);
        var before = await Iam.SnapshotAsync();

        (await Call(action, parameters)).Ok();

        Assert.NotEqual(before, await Iam.SnapshotAsync());
    }

    [Fact]
    public void Table_CoversEveryRegisteredHandler()
    {
        Assert.Equal(Table.Keys.Order(), Iam.Actions.Order());
    }

    [Fact]
    public void AddIamActions_RegistersOneSingletonHandlerPerAction()
    {
        var services = new ServiceCollection()
            .AddSingleton(Iam.Store)
            .AddSingleton<TimeProvider>(Iam.Time)
            .AddSingleton(Iam.Ids)
            .AddIamActions();

        using var provider = services.BuildServiceProvider();
        var handlers = provider.GetServices<IActionHandler>().ToList();

        Assert.All(services.Where(d => d.ServiceType == typeof(IActionHandler)), d => Assert.Equal(ServiceLifetime.Singleton, d.Lifetime));
        Assert.Equal(Table.Keys.Order(), handlers.Select(h => h.Action).Order());
        Assert.All(handlers, h => Assert.Equal("iam", h.Service));
        Assert.Same(provider.GetServices<IActionHandler>().First(), handlers[0]);
    }
}
