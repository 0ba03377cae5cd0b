using System.Data.Common;
using System.Globalization;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.State.Sql;

internal sealed class SqlManagedPolicies(SqlSession session) : IManagedPolicyWriter
{
    /// <summary>IAM's quota of versions per managed policy.</summary>
    public const int MaxVersions = 5;

    private const string Select =
        "SELECT p.policy_id, p.account_id, p.name, p.path, p.arn, p.default_version, p.created_at, p.updated_at, p.description, p.tags, "
        + "(SELECT COUNT(*) FROM iam_policy_attachments a WHERE a.policy_arn = p.arn) FROM iam_policies p";

    private const string SelectVersion =
        "SELECT p.arn, v.version_id, v.document, v.created_at, p.default_version FROM iam_policy_versions v JOIN iam_policies p ON p.policy_id = v.policy_id";

    public Task<ManagedPolicy?> GetAsync(string policyArn, CancellationToken cancellationToken) =>
        session.SingleAsync($"{Select} WHERE p.arn = @arn", Read, cancellationToken, ("arn", policyArn));

    public Task<Page<ManagedPolicy>> ListAsync(string accountId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "policies",
            new SqlQuery(Select).Where("p.account_id = @account", ("account", accountId)).WherePathPrefix("p.path", pathPrefix),
            "p.name_key",
            page,
            Read,
            policy => SqlSession.NameKey(policy.PolicyName),
            cancellationToken);

    public Task<PolicyVersion?> GetVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken) =>
        session.SingleAsync(
            $"{SelectVersion} WHERE p.arn = @arn AND v.version_id = @version",
            ReadVersion,
            cancellationToken,
            ("arn", policyArn),
            ("version", versionId));

    public Task<PolicyVersion?> GetDefaultVersionAsync(string policyArn, CancellationToken cancellationToken) =>
        session.SingleAsync($"{SelectVersion} WHERE p.arn = @arn AND v.version_id = p.default_version", ReadVersion, cancellationToken, ("arn", policyArn));

    public async Task<IReadOnlyList<PolicyVersion>> ListVersionsAsync(string policyArn, CancellationToken cancellationToken) =>
        await session.ListAsync($"{SelectVersion} WHERE p.arn = @arn ORDER BY v.version_number DESC", ReadVersion, cancellationToken, ("arn", policyArn));

    public Task<Page<AttachedPolicy>> ListAttachedAsync(string principalId, string? pathPrefix, PageRequest page, CancellationToken cancellationToken) =>
        session.PageByKeyAsync(
            "attached-policies",
            new SqlQuery("SELECT policy_arn, policy_name FROM iam_policy_attachments")
                .Where("principal_id = @principal", ("principal", principalId))
                .WherePathPrefix("policy_path", pathPrefix),
            "policy_arn",
            page,
            r => new AttachedPolicy(r.GetString(0), r.GetString(1)),
            attached => attached.PolicyArn,
            cancellationToken);

    public Task<Page<PolicyEntity>> ListEntitiesAsync(
        string accountId,
        string policyArn,
        PrincipalKind? kind,
        PageRequest page,
        CancellationToken cancellationToken)
    {
        var query = new SqlQuery(
            "SELECT a.principal_kind, a.principal_id, COALESCE(u.name, g.name, r.name, a.principal_id) FROM iam_policy_attachments a "
            + "LEFT JOIN iam_users u ON u.user_id = a.principal_id "
            + "LEFT JOIN iam_groups g ON g.group_id = a.principal_id "
            + "LEFT JOIN iam_roles r ON r.role_id = a.principal_id")
            .Where("a.account_id = @account AND a.policy_arn = @arn", ("account", accountId), ("arn", policyArn));
        if (kind is not null)
        {
            query.Where("a.principal_kind = @kind", ("kind", kind.Value.ToString()));
        }

        return session.PageByKeyAsync(
            "policy-entities",
            query,
            "a.principal_id",
            page,
            r => new PolicyEntity(Enum.Parse<PrincipalKind>(r.GetString(0)), r.GetString(1), r.GetString(2)),
            entity => entity.PrincipalId,
            cancellationToken);
    }

    public async Task<ManagedPolicy> CreateAsync(ManagedPolicy policy, string document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy = policy with
        {
            DefaultVersionId = "v1",
            CreatedAt = StoreTime.Normalize(policy.CreatedAt),
            UpdatedAt = StoreTime.Normalize(policy.UpdatedAt),
            AttachmentCount = 0,
        };
        await session.ExecuteUniqueAsync(
            "INSERT INTO iam_policies (policy_id, account_id, name, name_key, path, arn, default_version, next_version, description, tags, "
            + "created_at, updated_at) VALUES (@id, @account, @name, @key, @path, @arn, 'v1', 2, @description, @tags, @created, @updated)",
            () => new EntityAlreadyExistsException(
                "Policy",
                policy.PolicyName,
                $"A policy called {policy.PolicyName} already exists. Duplicate names are not allowed."),
            cancellationToken,
            ("id", policy.PolicyId),
            ("account", policy.AccountId),
            ("name", policy.PolicyName),
            ("key", SqlSession.NameKey(policy.PolicyName)),
            ("path", policy.Path),
            ("arn", policy.Arn),
            ("description", policy.Description),
            ("tags", StateJson.WriteTags(policy.Tags)),
            ("created", policy.CreatedAt.Millis()),
            ("updated", policy.UpdatedAt.Millis()));
        await InsertVersionAsync(policy.PolicyId, 1, document, policy.CreatedAt, cancellationToken);
        return policy;
    }

    public async Task<bool> UpdateAsync(ManagedPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return await session.ExecuteAsync(
            "UPDATE iam_policies SET description = @description, tags = @tags WHERE arn = @arn",
            cancellationToken,
            ("arn", policy.Arn),
            ("description", policy.Description),
            ("tags", StateJson.WriteTags(policy.Tags))) > 0;
    }

    public async Task<bool> DeleteAsync(string policyArn, CancellationToken cancellationToken)
    {
        var policy = await GetAsync(policyArn, cancellationToken);
        if (policy is null)
        {
            return false;
        }

        // A permissions boundary counts as an attachment, as in AWS: deleting it would leave users or roles bounded by a
        // policy that no longer exists. Checked in the delete's own write transaction, so a concurrent
        // PutUserPermissionsBoundary either commits first (and is seen here) or finds the policy gone.
        var boundaries = await session.ScalarAsync(
            "SELECT (SELECT COUNT(*) FROM iam_users WHERE boundary_arn = @arn) + (SELECT COUNT(*) FROM iam_roles WHERE boundary_arn = @arn)",
            cancellationToken,
            ("arn", policyArn));
        if (policy.AttachmentCount > 0 || boundaries > 0)
        {
            throw new DeleteConflictException("Cannot delete a policy attached to entities.");
        }

        var versions = await session.ScalarAsync(
            "SELECT COUNT(*) FROM iam_policy_versions WHERE policy_id = @id",
            cancellationToken,
            ("id", policy.PolicyId));
        if (versions > 1)
        {
            throw new DeleteConflictException(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
                + "The default version is deleted with the policy.");
        }

        await session.ExecuteAsync("DELETE FROM iam_policy_versions WHERE policy_id = @id", cancellationToken, ("id", policy.PolicyId));
        await session.ExecuteAsync("DELETE FROM iam_policies WHERE policy_id = @id", cancellationToken, ("id", policy.PolicyId));
        return true;
    }

    public async Task<PolicyVersion?> CreateVersionAsync(
        string policyArn,
        string document,
        bool setAsDefault,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        now = StoreTime.Normalize(now);
        var rows = await session.ListAsync(
            "SELECT policy_id, next_version, (SELECT COUNT(*) FROM iam_policy_versions v WHERE v.policy_id = p.policy_id) "
            + "FROM iam_policies p WHERE arn = @arn",
            r => (Id: r.GetString(0), Next: r.GetInt64(1), Count: r.GetInt64(2)),
            cancellationToken,
            ("arn", policyArn));
        if (rows.Count == 0)
        {
            return null;
        }

        var (policyId, next, count) = rows[0];
        if (count >= MaxVersions)
        {
            throw new StateLimitExceededException("VersionsPerPolicy", MaxVersions);
        }

        var versionId = await InsertVersionAsync(policyId, next, document, now, cancellationToken);
        await session.ExecuteAsync(
            $"UPDATE iam_policies SET next_version = @next, updated_at = @now{(setAsDefault ? ", default_version = @version" : "")} WHERE policy_id = @id",
            cancellationToken,
            ("id", policyId),
            ("next", next + 1),
            ("now", now.Millis()),
            ("version", versionId));
        return new PolicyVersion(policyArn, versionId, document, setAsDefault, now);
    }

    public async Task<bool> SetDefaultVersionAsync(string policyArn, string versionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "UPDATE iam_policies SET default_version = @version, updated_at = @now WHERE arn = @arn AND EXISTS "
            + "(SELECT 1 FROM iam_policy_versions v WHERE v.policy_id = iam_policies.policy_id AND v.version_id = @version)",
            cancellationToken,
            ("arn", policyArn),
            ("version", versionId),
            ("now", now.Millis())) > 0;

    public async Task<bool> DeleteVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(policyArn, versionId, cancellationToken);
        if (version is null)
        {
            return false;
        }

        if (version.IsDefaultVersion)
        {
            throw new DeleteConflictException("Cannot delete the default version of a policy.");
        }

        return await session.ExecuteAsync(
            "DELETE FROM iam_policy_versions WHERE version_id = @version AND policy_id = (SELECT policy_id FROM iam_policies WHERE arn = @arn)",
            cancellationToken,
            ("arn", policyArn),
            ("version", versionId)) > 0;
    }

    public async Task<bool> AttachAsync(string accountId, PrincipalKind kind, string principalId, string policyArn, CancellationToken cancellationToken)
    {
        var (path, name) = SplitPolicyArn(policyArn);
        return await session.ExecuteAsync(
            "INSERT INTO iam_policy_attachments (principal_id, policy_arn, account_id, principal_kind, policy_name, policy_path) "
            + "VALUES (@principal, @arn, @account, @kind, @name, @path) ON CONFLICT (principal_id, policy_arn) DO NOTHING",
            cancellationToken,
            ("principal", principalId),
            ("arn", policyArn),
            ("account", accountId),
            ("kind", kind.ToString()),
            ("name", name),
            ("path", path)) > 0;
    }

    public async Task<bool> DetachAsync(string principalId, string policyArn, CancellationToken cancellationToken) =>
        await session.ExecuteAsync(
            "DELETE FROM iam_policy_attachments WHERE principal_id = @principal AND policy_arn = @arn",
            cancellationToken,
            ("principal", principalId),
            ("arn", policyArn)) > 0;

    // arn:aws:iam::123456789012:policy/some/path/Name → ("/some/path/", "Name")
    internal static (string Path, string Name) SplitPolicyArn(string policyArn)
    {
        var resource = policyArn.IndexOf(":policy/", StringComparison.Ordinal);
        var pathAndName = resource < 0 ? "/" + policyArn : policyArn[(resource + ":policy".Length)..];
        var lastSlash = pathAndName.LastIndexOf('/');
        return (pathAndName[..(lastSlash + 1)], pathAndName[(lastSlash + 1)..]);
    }

    private async Task<string> InsertVersionAsync(string policyId, long number, string document, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var versionId = "v" + number.ToString(CultureInfo.InvariantCulture);
        await session.ExecuteAsync(
            "INSERT INTO iam_policy_versions (policy_id, version_id, version_number, document, created_at) VALUES (@id, @version, @number, @document, @created)",
            cancellationToken,
            ("id", policyId),
            ("version", versionId),
            ("number", number),
            ("document", document),
            ("created", createdAt.Millis()));
        return versionId;
    }

    private static ManagedPolicy Read(DbDataReader r) =>
        new(r.GetString(1), r.GetString(0), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetTime(6), r.GetTime(7))
        {
            Description = r.GetStringOrNull(8),
            Tags = StateJson.ReadTags(r.GetString(9)),
            AttachmentCount = (int)r.GetInt64(10),
        };

    private static PolicyVersion ReadVersion(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(1) == r.GetString(4), r.GetTime(3));
}
