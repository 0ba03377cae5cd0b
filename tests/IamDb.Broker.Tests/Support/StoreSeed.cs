using IamDb.Aws.Arns;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Signing;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Tests.Support;

/// <summary>
/// Creates IAM entities directly in the store, for tests that need them before the IAM actions exist. Keep every such
/// helper here so they can later be replaced by real API calls.
/// </summary>
internal static class StoreSeed
{
    private static readonly IdentifierGenerator Ids = IdentifierGenerator.Shared;

    public const string AllowAll = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";

    /// <summary>A user with optional inline policies, and an active access key.</summary>
    public static async Task<(IamUser User, SigningCredentials Key)> UserWithKeyAsync(
        TestBroker broker, string name, params string[] inlinePolicies)
    {
        var now = broker.Time.GetUtcNow();
        var account = broker.AccountId;
        var user = new IamUser(account, Ids.NewUserId(), name, "/", Arn.IamUser(account, "/", name).ToString(), now);
        var key = new AccessKey(Ids.NewLongTermAccessKeyId(), account, user.UserId, new SecretString(Ids.NewSecretAccessKey()), AccessKeyStatus.Active, now);
        await broker.Store.WriteAsync(async (w, ct) =>
        {
            await w.Users.CreateAsync(user, ct);
            await w.AccessKeys.CreateAsync(key, ct);
            for (var i = 0; i < inlinePolicies.Length; i++)
            {
                await w.InlinePolicies.PutAsync(account, PrincipalKind.User, new InlinePolicy(user.UserId, $"inline{i}", inlinePolicies[i]), ct);
            }
        });
        return (user, new SigningCredentials(key.AccessKeyId, key.SecretAccessKey.Reveal()));
    }

    /// <summary>A managed policy attached to a user.</summary>
    public static async Task<string> AttachManagedPolicyAsync(TestBroker broker, IamUser user, string name, string document)
    {
        var now = broker.Time.GetUtcNow();
        var arn = Arn.IamPolicy(broker.AccountId, "/", name).ToString();
        var policy = new ManagedPolicy(broker.AccountId, Ids.NewPolicyId(), name, "/", arn, "v1", now, now);
        await broker.Store.WriteAsync(async (w, ct) =>
        {
            await w.Policies.CreateAsync(policy, document, ct);
            await w.Policies.AttachAsync(broker.AccountId, PrincipalKind.User, user.UserId, arn, ct);
        });
        return arn;
    }

    /// <summary>A role with a trust policy and optional inline policies.</summary>
    public static async Task<IamRole> RoleAsync(
        TestBroker broker, string name, string trustPolicy, int maxSessionDuration = 3600, params string[] inlinePolicies)
    {
        var now = broker.Time.GetUtcNow();
        var account = broker.AccountId;
        var role = new IamRole(account, Ids.NewRoleId(), name, "/", Arn.IamRole(account, "/", name).ToString(), now, trustPolicy)
        {
            MaxSessionDuration = maxSessionDuration,
        };
        await broker.Store.WriteAsync(async (w, ct) =>
        {
            await w.Roles.CreateAsync(role, ct);
            for (var i = 0; i < inlinePolicies.Length; i++)
            {
                await w.InlinePolicies.PutAsync(account, PrincipalKind.Role, new InlinePolicy(role.RoleId, $"inline{i}", inlinePolicies[i]), ct);
            }
        });
        return role;
    }

    public static Task SetKeyStatusAsync(TestBroker broker, string accessKeyId, AccessKeyStatus status) =>
        broker.Store.WriteAsync((w, ct) => w.AccessKeys.SetStatusAsync(accessKeyId, status, ct));

    public static Task PutGuardrailAsync(TestBroker broker, string name, string document)
    {
        var now = broker.Time.GetUtcNow();
        return broker.Store.WriteAsync((w, ct) => w.Guardrails.PutAsync(new GuardrailPolicy(broker.AccountId, name, document, now, now), ct));
    }

    /// <summary>A trust policy letting <paramref name="principalArn"/> assume the role.</summary>
    public static string TrustPolicyFor(string principalArn, string? externalId = null)
    {
        var condition = externalId is null ? string.Empty : ",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"" + externalId + "\"}}";
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + principalArn
               + "\"},\"Action\":\"sts:AssumeRole\"" + condition + "}]}";
    }
}
