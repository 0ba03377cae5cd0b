using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

public abstract partial class StoreContractTests
{
    private const string PlainSecret = "s3cr3t-VALUE-that-must-never-leak";

    [Fact]
    public async Task AccessKeys_Create_RoundTripsSecretAndEncryptsItAtRest()
    {
        var account = NewAccount();
        var user = User(account, "adam");
        var key = Key(account, user.UserId, PlainSecret);
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(user, ct);
                await w.AccessKeys.CreateAsync(key, ct);
            },
            Ct);

        var read = await Store.ReadAsync((r, ct) => r.AccessKeys.GetAsync(key.AccessKeyId, ct), Ct);
        var stored = (byte[])(await ScalarAsync($"SELECT secret FROM iam_access_keys WHERE access_key_id = '{key.AccessKeyId}'"))!;

        Assert.Equal(key, read);
        Assert.Equal(PlainSecret, read!.SecretAccessKey.Reveal());
        Assert.DoesNotContain(PlainSecret, System.Text.Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(PlainSecret, read.ToString(), StringComparison.Ordinal);
        Assert.Contains(SecretString.Redacted, read.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessKeys_ThirdKeyForAUserOrRoot_ThrowsLimitExceeded()
    {
        var account = NewAccount();
        var user = User(account, "adam");
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(user, ct);
                await w.AccessKeys.CreateAsync(Key(account, user.UserId), ct);
                await w.AccessKeys.CreateAsync(Key(account, user.UserId), ct);
                await w.AccessKeys.CreateAsync(Key(account, null), ct);
                await w.AccessKeys.CreateAsync(Key(account, null), ct);
            },
            Ct);

        var userLimit = await Assert.ThrowsAsync<StateLimitExceededException>(
            () => Store.WriteAsync((w, ct) => w.AccessKeys.CreateAsync(Key(account, user.UserId), ct), Ct));
        await Assert.ThrowsAsync<StateLimitExceededException>(() => Store.WriteAsync((w, ct) => w.AccessKeys.CreateAsync(Key(account, null), ct), Ct));

        Assert.Equal("Cannot exceed quota for AccessKeysPerUser: 2.", userLimit.Message);
        Assert.Equal(2, (await Store.ReadAsync((r, ct) => r.AccessKeys.ListAsync(account, user.UserId, ct), Ct)).Count);
        Assert.All(await Store.ReadAsync((r, ct) => r.AccessKeys.ListAsync(account, null, ct), Ct), k => Assert.Null(k.UserId));
    }

    [Fact]
    public async Task AccessKeys_StatusAndLastUsed_AreUpdated()
    {
        var account = NewAccount();
        var key = Key(account, null);
        await Store.WriteAsync((w, ct) => w.AccessKeys.CreateAsync(key, ct), Ct);

        await Store.WriteAsync(
            async (w, ct) =>
            {
                Assert.True(await w.AccessKeys.SetStatusAsync(key.AccessKeyId, AccessKeyStatus.Inactive, ct));
                Assert.True(await w.AccessKeys.RecordUseAsync(key.AccessKeyId, Now.AddMinutes(1), "sts", "eu-west-1", ct));
                Assert.False(await w.AccessKeys.SetStatusAsync("AKIANOSUCHKEY", AccessKeyStatus.Active, ct));
            },
            Ct);
        var read = await Store.ReadAsync((r, ct) => r.AccessKeys.GetAsync(key.AccessKeyId, ct), Ct);

        Assert.Equal(AccessKeyStatus.Inactive, read?.Status);
        Assert.Equal((Now.AddMinutes(1), "sts", "eu-west-1"), (read!.LastUsedAt, read.LastUsedService, read.LastUsedRegion));
    }

    [Fact]
    public async Task Sessions_LookupByTokenHash_ReturnsFullContextAndExpiredOnesAreDeleted()
    {
        var account = NewAccount();
        const string token = "FwoGZXIvYXdzEXAMPLE-session-token";
        var session = new StsSession(
            NewId("ASIA"),
            account,
            new SecretString(PlainSecret),
            SessionTokens.Hash(token),
            SessionKind.AssumedRole,
            $"arn:aws:sts::{account}:assumed-role/builder/ci",
            Now,
            Now.AddHours(1))
        {
            RoleArn = $"arn:aws:iam::{account}:role/builder",
            RoleId = "AROAEXAMPLE",
            RoleSessionName = "ci",
            SessionPolicy = Document,
            SessionPolicyArns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            SessionTags = [new Tag("project", "x")],
            TransitiveTagKeys = ["project"],
            SourceIdentity = "alice",
        };
        var expired = session with { AccessKeyId = NewId("ASIA"), TokenHash = SessionTokens.Hash("old"), ExpiresAt = Now.AddMinutes(-1) };
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Sessions.CreateAsync(session, ct);
                await w.Sessions.CreateAsync(expired, ct);
            },
            Ct);

        var found = await Store.ReadAsync((r, ct) => r.Sessions.GetByTokenHashAsync(SessionTokens.Hash(token), ct), Ct);
        var missing = await Store.ReadAsync((r, ct) => r.Sessions.GetByTokenHashAsync(SessionTokens.Hash(token + "x"), ct), Ct);
        var deleted = await Store.WriteAsync((w, ct) => w.Sessions.DeleteExpiredAsync(Now, ct), Ct);

        Assert.NotNull(found);
        Assert.Equal(session.AccessKeyId, found.AccessKeyId);
        Assert.Equal(PlainSecret, found.SecretAccessKey.Reveal());
        Assert.Equal(session.TokenHash, found.TokenHash);
        Assert.Equal((session.RoleArn, session.RoleSessionName, session.SourceIdentity, session.SessionPolicy), (found.RoleArn, found.RoleSessionName, found.SourceIdentity, found.SessionPolicy));
        Assert.Equal(session.SessionPolicyArns, found.SessionPolicyArns);
        Assert.Equal(session.SessionTags, found.SessionTags);
        Assert.Equal(session.TransitiveTagKeys, found.TransitiveTagKeys);
        Assert.Equal(Now.AddHours(1), found.ExpiresAt);
        Assert.Null(missing);
        Assert.True(deleted >= 1);
        Assert.Null(await Store.ReadAsync((r, ct) => r.Sessions.GetAsync(expired.AccessKeyId, ct), Ct));
        Assert.NotNull(await Store.ReadAsync((r, ct) => r.Sessions.GetAsync(session.AccessKeyId, ct), Ct));
        Assert.DoesNotContain(PlainSecret, found.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secrets_CiphertextCopiedToAnotherRow_FailsToDecryptWithoutLeakingTheSecret()
    {
        var account = NewAccount();
        var (a, b) = (Key(account, null, PlainSecret), Key(account, null, "other-secret"));
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.AccessKeys.CreateAsync(a, ct);
                await w.AccessKeys.CreateAsync(b, ct);
            },
            Ct);

        await ScalarAsync(
            $"UPDATE iam_access_keys SET secret = (SELECT secret FROM iam_access_keys WHERE access_key_id = '{a.AccessKeyId}') "
            + $"WHERE access_key_id = '{b.AccessKeyId}'");
        var e = await Assert.ThrowsAsync<SecretDecryptionException>(() => Store.ReadAsync((r, ct) => r.AccessKeys.GetAsync(b.AccessKeyId, ct), Ct));

        Assert.Contains(b.AccessKeyId, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PlainSecret, e.ToString(), StringComparison.Ordinal);
    }
}
