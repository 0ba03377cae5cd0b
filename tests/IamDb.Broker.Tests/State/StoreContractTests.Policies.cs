using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public abstract partial class StoreContractTests
{
    [Fact]
    public async Task Policies_Create_StoresV1AsDefaultAndRefusesDuplicateName()
    {
        var account = NewAccount();
        var policy = StoreTestData.Policy(account, "ReadAll", "/team/") with { Description = "reads", Tags = [new Tag("k", "v")] };

        var created = await Store.WriteAsync((w, ct) => w.Policies.CreateAsync(policy, Document, ct), Ct);
        var read = await Store.ReadAsync((r, ct) => r.Policies.GetAsync(policy.Arn, ct), Ct);
        var defaultVersion = await Store.ReadAsync((r, ct) => r.Policies.GetDefaultVersionAsync(policy.Arn, ct), Ct);
        var e = await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.Policies.CreateAsync(StoreTestData.Policy(account, "readall", "/other/"), Document, ct), Ct));

        Assert.NotNull(read);
        Assert.Equal(created with { Tags = read.Tags }, read);
        Assert.Equal("v1", read.DefaultVersionId);
        Assert.Equal(new PolicyVersion(policy.Arn, "v1", Document, true, Now), defaultVersion);
        Assert.Equal("A policy called readall already exists. Duplicate names are not allowed.", e.Message);
        var listed = await Store.ReadAsync((r, ct) => r.Policies.ListAsync(account, "/team/", PageRequest.First, ct), Ct);
        Assert.Equal(["ReadAll"], listed.Items.Select(p => p.PolicyName));
    }

    [Fact]
    public async Task Policies_Versions_AtMostFiveAndIdsAreNeverReused()
    {
        var account = NewAccount();
        var policy = StoreTestData.Policy(account, "P");
        await Store.WriteAsync((w, ct) => w.Policies.CreateAsync(policy, Document, ct), Ct);
        for (var i = 2; i <= 5; i++)
        {
            var version = await Store.WriteAsync((w, ct) => w.Policies.CreateVersionAsync(policy.Arn, Document, setAsDefault: i == 3, Now, ct), Ct);
            Assert.Equal($"v{i}", version?.VersionId);
        }

        var e = await Assert.ThrowsAsync<StateLimitExceededException>(
            () => Store.WriteAsync((w, ct) => w.Policies.CreateVersionAsync(policy.Arn, Document, false, Now, ct), Ct));
        Assert.Equal("Cannot exceed quota for VersionsPerPolicy: 5.", e.Message);

        var conflict = await Assert.ThrowsAsync<DeleteConflictException>(
            () => Store.WriteAsync((w, ct) => w.Policies.DeleteVersionAsync(policy.Arn, "v3", ct), Ct));
        Assert.Equal("Cannot delete the default version of a policy.", conflict.Message);
        Assert.True(await Store.WriteAsync((w, ct) => w.Policies.DeleteVersionAsync(policy.Arn, "v1", ct), Ct));
        var v6 = await Store.WriteAsync((w, ct) => w.Policies.CreateVersionAsync(policy.Arn, "{}", false, Now, ct), Ct);

        Assert.Equal("v6", v6?.VersionId);
        var versions = await Store.ReadAsync((r, ct) => r.Policies.ListVersionsAsync(policy.Arn, ct), Ct);
        Assert.Equal(["v6", "v5", "v4", "v3", "v2"], versions.Select(v => v.VersionId));
        Assert.Equal(["v3"], versions.Where(v => v.IsDefaultVersion).Select(v => v.VersionId));
        Assert.True(await Store.WriteAsync((w, ct) => w.Policies.SetDefaultVersionAsync(policy.Arn, "v6", Now, ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.Policies.SetDefaultVersionAsync(policy.Arn, "v1", Now, ct), Ct));
        Assert.Equal("{}", (await Store.ReadAsync((r, ct) => r.Policies.GetDefaultVersionAsync(policy.Arn, ct), Ct))?.Document);
        Assert.Null(await Store.WriteAsync((w, ct) => w.Policies.CreateVersionAsync(policy.Arn + "x", Document, false, Now, ct), Ct));
    }

    [Fact]
    public async Task Policies_Attachments_AreQueryableBothWaysAndBlockPolicyDelete()
    {
        var account = NewAccount();
        var policy = StoreTestData.Policy(account, "Shared", "/p/");
        var (user, role, group) = (User(account, "adam"), Role(account, "builder"), Group(account, "devs"));
        const string awsManaged = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess";
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Policies.CreateAsync(policy, Document, ct);
                await w.Users.CreateAsync(user, ct);
                await w.Roles.CreateAsync(role, ct);
                await w.Groups.CreateAsync(group, ct);
                Assert.True(await w.Policies.AttachAsync(account, PrincipalKind.User, user.UserId, policy.Arn, ct));
                Assert.False(await w.Policies.AttachAsync(account, PrincipalKind.User, user.UserId, policy.Arn, ct));
                await w.Policies.AttachAsync(account, PrincipalKind.Role, role.RoleId, policy.Arn, ct);
                await w.Policies.AttachAsync(account, PrincipalKind.Group, group.GroupId, policy.Arn, ct);
                await w.Policies.AttachAsync(account, PrincipalKind.User, user.UserId, awsManaged, ct);
            },
            Ct);

        var userPolicies = await Store.ReadAsync((r, ct) => r.Policies.ListAttachedAsync(user.UserId, null, PageRequest.First, ct), Ct);
        var userPoliciesUnderP = await Store.ReadAsync((r, ct) => r.Policies.ListAttachedAsync(user.UserId, "/p/", PageRequest.First, ct), Ct);
        var entities = await Store.ReadAsync((r, ct) => r.Policies.ListEntitiesAsync(account, policy.Arn, null, PageRequest.First, ct), Ct);
        var roles = await Store.ReadAsync((r, ct) => r.Policies.ListEntitiesAsync(account, policy.Arn, PrincipalKind.Role, PageRequest.First, ct), Ct);
        var read = await Store.ReadAsync((r, ct) => r.Policies.GetAsync(policy.Arn, ct), Ct);

        Assert.Equal(
            new[] { new AttachedPolicy(awsManaged, "ViewOnlyAccess"), new AttachedPolicy(policy.Arn, "Shared") }.OrderBy(p => p.PolicyArn, StringComparer.Ordinal),
            userPolicies.Items);
        Assert.Equal([new AttachedPolicy(policy.Arn, "Shared")], userPoliciesUnderP.Items);
        Assert.Equal(
            new[] { ("adam", PrincipalKind.User), ("builder", PrincipalKind.Role), ("devs", PrincipalKind.Group) }.OrderBy(x => x.Item1),
            entities.Items.Select(e => (e.Name, e.Kind)).OrderBy(x => x.Name));
        Assert.Equal([new PolicyEntity(PrincipalKind.Role, role.RoleId, "builder")], roles.Items);
        Assert.Equal(3, read?.AttachmentCount);
        var e = await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(policy.Arn, ct), Ct));
        Assert.Equal("Cannot delete a policy attached to entities.", e.Message);

        await Store.WriteAsync(
            async (w, ct) =>
            {
                Assert.True(await w.Policies.DetachAsync(user.UserId, policy.Arn, ct));
                Assert.False(await w.Policies.DetachAsync(user.UserId, policy.Arn, ct));
                await w.Policies.DetachAsync(role.RoleId, policy.Arn, ct);
                await w.Policies.DetachAsync(group.GroupId, policy.Arn, ct);
                Assert.True(await w.Policies.DeleteAsync(policy.Arn, ct));
            },
            Ct);
        Assert.Null(await Store.ReadAsync((r, ct) => r.Policies.GetAsync(policy.Arn, ct), Ct));
    }

    [Fact]
    public async Task Policies_DeleteWithExtraVersions_ThrowsDeleteConflict()
    {
        var account = NewAccount();
        var policy = StoreTestData.Policy(account, "P");
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Policies.CreateAsync(policy, Document, ct);
                await w.Policies.CreateVersionAsync(policy.Arn, Document, false, Now, ct);
            },
            Ct);

        await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(policy.Arn, ct), Ct));
        await Store.WriteAsync((w, ct) => w.Policies.DeleteVersionAsync(policy.Arn, "v2", ct), Ct);
        Assert.True(await Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(policy.Arn, ct), Ct));
    }

    [Fact]
    public async Task Policies_UsedAsPermissionsBoundary_BlockPolicyDelete()
    {
        var account = NewAccount();
        var userBoundary = StoreTestData.Policy(account, "UserBoundary");
        var roleBoundary = StoreTestData.Policy(account, "RoleBoundary");
        var user = User(account, "u") with { PermissionsBoundaryArn = userBoundary.Arn };
        var role = Role(account, "r") with { PermissionsBoundaryArn = roleBoundary.Arn };
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Policies.CreateAsync(userBoundary, Document, ct);
                await w.Policies.CreateAsync(roleBoundary, Document, ct);
                await w.Users.CreateAsync(user, ct);
                await w.Roles.CreateAsync(role, ct);
            },
            Ct);

        var forUser = await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(userBoundary.Arn, ct), Ct));
        await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(roleBoundary.Arn, ct), Ct));
        await Store.WriteAsync((w, ct) => w.Users.UpdateAsync(user with { PermissionsBoundaryArn = null }, ct), Ct);

        Assert.Equal("Cannot delete a policy attached to entities.", forUser.Message);
        Assert.True(await Store.WriteAsync((w, ct) => w.Policies.DeleteAsync(userBoundary.Arn, ct), Ct));
        Assert.NotNull(await Store.ReadAsync((r, ct) => r.Policies.GetAsync(roleBoundary.Arn, ct), Ct));
    }

    [Fact]
    public async Task InlinePolicies_PutReplacesByCaseInsensitiveNameAndListsInOrder()
    {
        var account = NewAccount();
        var role = Role(account, "r");
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Roles.CreateAsync(role, ct);
                await w.InlinePolicies.PutAsync(account, PrincipalKind.Role, new InlinePolicy(role.RoleId, "b-policy", "{}"), ct);
                await w.InlinePolicies.PutAsync(account, PrincipalKind.Role, new InlinePolicy(role.RoleId, "A-policy", Document), ct);
                await w.InlinePolicies.PutAsync(account, PrincipalKind.Role, new InlinePolicy(role.RoleId, "B-POLICY", Document), ct);
            },
            Ct);

        var listed = await Store.ReadAsync((r, ct) => r.InlinePolicies.ListAsync(role.RoleId, PageRequest.First, ct), Ct);
        var one = await Store.ReadAsync((r, ct) => r.InlinePolicies.GetAsync(role.RoleId, "b-policy", ct), Ct);

        Assert.Equal(["A-policy", "B-POLICY"], listed.Items.Select(p => p.PolicyName));
        Assert.Equal(Document, one?.Document);
        await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Roles.DeleteAsync(account, "r", ct), Ct));
        Assert.True(await Store.WriteAsync((w, ct) => w.InlinePolicies.DeleteAsync(role.RoleId, "a-policy", ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.InlinePolicies.DeleteAsync(role.RoleId, "a-policy", ct), Ct));
    }

    [Fact]
    public async Task Guardrails_PutListDelete_PerAccount()
    {
        var account = NewAccount();
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Guardrails.PutAsync(new GuardrailPolicy(account, "NoDelete", "{}", Now, Now), ct);
                await w.Guardrails.PutAsync(new GuardrailPolicy(account, "Baseline", Document, Now, Now), ct);
                await w.Guardrails.PutAsync(new GuardrailPolicy(account, "nodelete", Document, Now, Now.AddHours(1)), ct);
                await w.Guardrails.PutAsync(new GuardrailPolicy(NewAccount(), "Elsewhere", Document, Now, Now), ct);
            },
            Ct);

        var listed = await Store.ReadAsync((r, ct) => r.Guardrails.ListAsync(account, ct), Ct);

        Assert.Equal(["Baseline", "nodelete"], listed.Select(g => g.Name));
        Assert.Equal(Document, listed[1].Document);
        Assert.Equal(Now.AddHours(1), listed[1].UpdatedAt);
        Assert.True(await Store.WriteAsync((w, ct) => w.Guardrails.DeleteAsync(account, "NODELETE", ct), Ct));
        Assert.Single(await Store.ReadAsync((r, ct) => r.Guardrails.ListAsync(account, ct), Ct));
    }
}
