using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam.Reports;

/// <summary>
/// <c>GetAccountAuthorizationDetails</c>: every user, group, role and customer managed policy of the account with their
/// policies (documents URL-encoded), optionally limited by <c>Filter.member.N</c>. One snapshot is taken per call and
/// paged by position, users first, then groups, roles and policies, as AWS orders them.
/// </summary>
internal sealed class AccountAuthorizationDetailsHandler(IStateStore store) : IamActionHandler
{
    private static readonly string[] Lists = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"];

    public override string Action => "GetAccountAuthorizationDetails";

    public override async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = IamParameters.Reader(context);
        var filter = reader.OptionalStringList("Filter", itemConstraints: new StringConstraints(pattern: "User|Role|Group|LocalManagedPolicy|AWSManagedPolicy"));
        var page = reader.ReadPage();
        reader.ThrowIfInvalid();
        await context.AuthorizeAsync(Permission, IamEntities.AnyResource, ct: ct);
        bool Wants(string type) => filter is null || filter.Count == 0 || filter.Contains(type);
        var account = context.Request.Caller.AccountId;
        var entries = await store.ReadAsync(
            async (r, c) =>
            {
                var items = new List<(int List, Action<QueryXmlWriter> Write)>();
                if (Wants("User"))
                {
                    foreach (var user in await Pages.ReadAllAsync(x => r.Users.ListAsync(account, null, x, c)))
                    {
                        var groups = await Pages.ReadAllAsync(x => r.Groups.ListGroupsForUserAsync(user.UserId, x, c));
                        items.Add((0, UserDetail(user, await InlineAsync(r, user.UserId, c), groups, await AttachedAsync(r, user.UserId, c))));
                    }
                }

                if (Wants("Group"))
                {
                    foreach (var group in await Pages.ReadAllAsync(x => r.Groups.ListAsync(account, null, x, c)))
                    {
                        items.Add((1, GroupDetail(group, await InlineAsync(r, group.GroupId, c), await AttachedAsync(r, group.GroupId, c))));
                    }
                }

                if (Wants("Role"))
                {
                    foreach (var role in await Pages.ReadAllAsync(x => r.Roles.ListAsync(account, null, x, c)))
                    {
                        items.Add((2, RoleDetail(role, await InlineAsync(r, role.RoleId, c), await AttachedAsync(r, role.RoleId, c))));
                    }
                }

                if (Wants("LocalManagedPolicy"))
                {
                    var usage = await IamEntities.BoundaryUsageAsync(r, account, c);
                    foreach (var policy in await Pages.ReadAllAsync(x => r.Policies.ListAsync(account, null, x, c)))
                    {
                        items.Add((3, PolicyDetail(policy, usage.GetValueOrDefault(policy.Arn), await r.Policies.ListVersionsAsync(policy.Arn, c))));
                    }
                }

                return MemoryPaging.Slice(items, "authorization-details", page);
            },
            ct);
        return new ActionOutcome(w =>
        {
            for (var list = 0; list < Lists.Length; list++)
            {
                w.WriteList(Lists[list], entries.Items.Where(e => e.List == list), static (x, e) => e.Write(x));
            }

            IamXml.WritePaging(w, entries);
        });
    }

    private static Action<QueryXmlWriter> UserDetail(
        IamUser user, List<InlinePolicy> inline, List<IamGroup> groups, List<AttachedPolicy> attached) => w =>
        {
            w.WriteString("Path", user.Path);
            w.WriteString("UserName", user.UserName);
            w.WriteString("UserId", user.UserId);
            w.WriteString("Arn", user.Arn);
            w.WriteTimestamp("CreateDate", user.CreatedAt);
            WriteInline(w, "UserPolicyList", inline);
            w.WriteStringList("GroupList", groups.Select(g => g.GroupName));
            IamXml.WriteAttachedPolicies(w, "AttachedManagedPolicies", attached);
            IamXml.WriteBoundary(w, user.PermissionsBoundaryArn);
            IamXml.WriteTags(w, user.Tags);
        };

    private static Action<QueryXmlWriter> GroupDetail(IamGroup group, List<InlinePolicy> inline, List<AttachedPolicy> attached) => w =>
    {
        IamXml.WriteGroup(w, group);
        WriteInline(w, "GroupPolicyList", inline);
        IamXml.WriteAttachedPolicies(w, "AttachedManagedPolicies", attached);
    };

    private static Action<QueryXmlWriter> RoleDetail(IamRole role, List<InlinePolicy> inline, List<AttachedPolicy> attached) => w =>
    {
        w.WriteString("Path", role.Path);
        w.WriteString("RoleName", role.RoleName);
        w.WriteString("RoleId", role.RoleId);
        w.WriteString("Arn", role.Arn);
        w.WriteTimestamp("CreateDate", role.CreatedAt);
        w.WriteString("AssumeRolePolicyDocument", IamXml.EncodeDocument(role.AssumeRolePolicyDocument));
        w.WriteList("InstanceProfileList", Array.Empty<int>(), static (_, _) => { });
        WriteInline(w, "RolePolicyList", inline);
        IamXml.WriteAttachedPolicies(w, "AttachedManagedPolicies", attached);
        IamXml.WriteBoundary(w, role.PermissionsBoundaryArn);
        IamXml.WriteTags(w, role.Tags);
        w.WriteStructure("RoleLastUsed", static _ => { });
    };

    private static Action<QueryXmlWriter> PolicyDetail(ManagedPolicy policy, int boundaryUsage, IReadOnlyList<PolicyVersion> versions) => w =>
    {
        IamXml.WritePolicy(w, policy, boundaryUsage, includeTags: false);
        w.WriteList("PolicyVersionList", versions, static (v, version) => IamXml.WritePolicyVersion(v, version));
    };

    private static Task<List<InlinePolicy>> InlineAsync(IStateReader r, string principalId, CancellationToken ct) =>
        Pages.ReadAllAsync(x => r.InlinePolicies.ListAsync(principalId, x, ct));

    private static Task<List<AttachedPolicy>> AttachedAsync(IStateReader r, string principalId, CancellationToken ct) =>
        Pages.ReadAllAsync(x => r.Policies.ListAttachedAsync(principalId, null, x, ct));

    private static void WriteInline(QueryXmlWriter w, string name, IEnumerable<InlinePolicy> policies) =>
        w.WriteList(name, policies, static (x, policy) =>
        {
            x.WriteString("PolicyName", policy.PolicyName);
            x.WriteString("PolicyDocument", IamXml.EncodeDocument(policy.Document));
        });
}
