using System.Xml.Linq;
using IamDb.Client.Query;
using IamDb.Policy.AccessReview;

namespace IamDb.Cli.Commands.AccessReview;

/// <summary>Reads <c>GetAccountAuthorizationDetails</c> result pages (IAM's XML, documents URL-encoded) into <see cref="AuthorizationDetails"/>.</summary>
internal static class AuthorizationDetailsXml
{
    public static AuthorizationDetails Read(string accountId, IEnumerable<XElement> pages)
    {
        var users = new List<UserDetail>();
        var groups = new List<GroupDetail>();
        var roles = new List<RoleDetail>();
        var policies = new List<ManagedPolicyDetail>();
        foreach (var page in pages)
        {
            foreach (var u in page.Members("UserDetailList"))
            {
                users.Add(new UserDetail(
                    u.Text("UserName") ?? string.Empty,
                    u.Text("Arn") ?? string.Empty,
                    u.Text("UserId") ?? string.Empty,
                    u.Text("Path") ?? "/",
                    [.. u.Members("GroupList").Select(g => g.Value)],
                    AttachedArns(u),
                    Inline(u, "UserPolicyList"),
                    u.Text("PermissionsBoundary", "PermissionsBoundaryArn"),
                    Tags(u)));
            }

            foreach (var g in page.Members("GroupDetailList"))
            {
                groups.Add(new GroupDetail(g.Text("GroupName") ?? string.Empty, g.Text("Arn") ?? string.Empty, AttachedArns(g), Inline(g, "GroupPolicyList")));
            }

            foreach (var r in page.Members("RoleDetailList"))
            {
                roles.Add(new RoleDetail(
                    r.Text("RoleName") ?? string.Empty,
                    r.Text("Arn") ?? string.Empty,
                    r.Text("RoleId") ?? string.Empty,
                    r.Text("Path") ?? "/",
                    AttachedArns(r),
                    Inline(r, "RolePolicyList"),
                    r.Text("PermissionsBoundary", "PermissionsBoundaryArn"),
                    Decode(r.Text("AssumeRolePolicyDocument")),
                    Tags(r)));
            }

            foreach (var p in page.Members("Policies"))
            {
                var defaultVersion = p.Text("DefaultVersionId");
                var version = p.Members("PolicyVersionList").FirstOrDefault(v => v.Text("IsDefaultVersion") == "true" || v.Text("VersionId") == defaultVersion);
                if (version?.Text("Document") is { } document)
                {
                    policies.Add(new ManagedPolicyDetail(p.Text("Arn") ?? string.Empty, p.Text("PolicyName") ?? string.Empty, Decode(document)!));
                }
            }
        }

        return new AuthorizationDetails(accountId, users, groups, roles, policies);
    }

    private static List<string> AttachedArns(XElement entity) =>
        [.. entity.Members("AttachedManagedPolicies").Select(a => a.Text("PolicyArn")).OfType<string>()];

    private static List<InlinePolicy> Inline(XElement entity, string list) =>
        [.. entity.Members(list).Select(p => new InlinePolicy(p.Text("PolicyName") ?? string.Empty, Decode(p.Text("PolicyDocument")) ?? "{}"))];

    private static Dictionary<string, string> Tags(XElement entity) =>
        entity.Members("Tags").Where(t => t.Text("Key") is not null).ToDictionary(t => t.Text("Key")!, t => t.Text("Value") ?? string.Empty);

    // IAM returns policy documents URL-encoded (RFC 3986).
    private static string? Decode(string? document) => document is null ? null : Uri.UnescapeDataString(document);
}
