using IamDb.Aws.Encoding;
using IamDb.Aws.Query;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam;

/// <summary>Writers for the IAM model's shared shapes (<c>User</c>, <c>Group</c>, <c>Role</c>, <c>Policy</c>, …) in model member order.</summary>
internal static class IamXml
{
    /// <summary>
    /// IAM returns every policy document URL-encoded (RFC 3986, UTF-8), for example <c>%7B%22Version%22…</c>; the
    /// SDKs and the aws CLI decode it.
    /// </summary>
    public static string EncodeDocument(string document) => PercentEncoding.Encode(document);

    /// <summary>The <c>User</c> shape. ListUsers and GetGroup omit the boundary and tags as AWS does (<paramref name="full"/> false).</summary>
    public static void WriteUser(QueryXmlWriter w, IamUser user, bool full = true)
    {
        w.WriteString("Path", user.Path);
        w.WriteString("UserName", user.UserName);
        w.WriteString("UserId", user.UserId);
        w.WriteString("Arn", user.Arn);
        w.WriteTimestamp("CreateDate", user.CreatedAt);
        if (full)
        {
            WriteBoundary(w, user.PermissionsBoundaryArn);
            if (user.Tags.Count > 0)
            {
                WriteTags(w, user.Tags);
            }
        }
    }

    public static void WriteGroup(QueryXmlWriter w, IamGroup group)
    {
        w.WriteString("Path", group.Path);
        w.WriteString("GroupName", group.GroupName);
        w.WriteString("GroupId", group.GroupId);
        w.WriteString("Arn", group.Arn);
        w.WriteTimestamp("CreateDate", group.CreatedAt);
    }

    /// <summary>The <c>Role</c> shape. ListRoles omits tags and the boundary as AWS does; GetRole and CreateRole include them.</summary>
    public static void WriteRole(QueryXmlWriter w, IamRole role, bool full = true)
    {
        w.WriteString("Path", role.Path);
        w.WriteString("RoleName", role.RoleName);
        w.WriteString("RoleId", role.RoleId);
        w.WriteString("Arn", role.Arn);
        w.WriteTimestamp("CreateDate", role.CreatedAt);
        w.WriteString("AssumeRolePolicyDocument", EncodeDocument(role.AssumeRolePolicyDocument));
        w.WriteString("Description", role.Description);
        w.WriteInt32("MaxSessionDuration", role.MaxSessionDuration);
        if (full)
        {
            WriteBoundary(w, role.PermissionsBoundaryArn);
            if (role.Tags.Count > 0)
            {
                WriteTags(w, role.Tags);
            }

            w.WriteStructure("RoleLastUsed", static _ => { });
        }
    }

    public static void WritePolicy(QueryXmlWriter w, ManagedPolicy policy, int boundaryUsageCount, bool includeTags = true)
    {
        w.WriteString("PolicyName", policy.PolicyName);
        w.WriteString("PolicyId", policy.PolicyId);
        w.WriteString("Arn", policy.Arn);
        w.WriteString("Path", policy.Path);
        w.WriteString("DefaultVersionId", policy.DefaultVersionId);
        w.WriteInt32("AttachmentCount", policy.AttachmentCount);
        w.WriteInt32("PermissionsBoundaryUsageCount", boundaryUsageCount);
        w.WriteBoolean("IsAttachable", true);
        w.WriteString("Description", policy.Description);
        w.WriteTimestamp("CreateDate", policy.CreatedAt);
        w.WriteTimestamp("UpdateDate", policy.UpdatedAt);
        if (includeTags && policy.Tags.Count > 0)
        {
            WriteTags(w, policy.Tags);
        }
    }

    /// <summary>The <c>PolicyVersion</c> shape; <paramref name="includeDocument"/> is false in ListPolicyVersions, as AWS answers.</summary>
    public static void WritePolicyVersion(QueryXmlWriter w, PolicyVersion version, bool includeDocument = true)
    {
        if (includeDocument)
        {
            w.WriteString("Document", EncodeDocument(version.Document));
        }

        w.WriteString("VersionId", version.VersionId);
        w.WriteBoolean("IsDefaultVersion", version.IsDefaultVersion);
        w.WriteTimestamp("CreateDate", version.CreatedAt);
    }

    public static void WriteTags(QueryXmlWriter w, IEnumerable<Tag> tags) =>
        w.WriteList("Tags", tags, static (t, tag) =>
        {
            t.WriteString("Key", tag.Key);
            t.WriteString("Value", tag.Value);
        });

    public static void WriteAttachedPolicies(QueryXmlWriter w, string name, IEnumerable<AttachedPolicy> policies) =>
        w.WriteList(name, policies, static (p, policy) =>
        {
            p.WriteString("PolicyName", policy.PolicyName);
            p.WriteString("PolicyArn", policy.PolicyArn);
        });

    public static void WriteBoundary(QueryXmlWriter w, string? boundaryArn)
    {
        if (boundaryArn is not null)
        {
            w.WriteStructure("PermissionsBoundary", b =>
            {
                b.WriteString("PermissionsBoundaryType", "PermissionsBoundaryPolicy");
                b.WriteString("PermissionsBoundaryArn", boundaryArn);
            });
        }
    }

    /// <summary><c>IsTruncated</c> always, <c>Marker</c> only when more items follow.</summary>
    public static void WritePaging<T>(QueryXmlWriter w, Page<T> page)
    {
        w.WriteBoolean("IsTruncated", page.IsTruncated);
        w.WriteString("Marker", page.NextMarker);
    }
}
