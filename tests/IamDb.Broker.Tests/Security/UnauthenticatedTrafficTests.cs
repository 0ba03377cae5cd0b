using System.Net;
using System.Text;
using IamDb.Aws.Signing;
using IamDb.Broker.State.Audit;
using IamDb.Broker.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Broker.Tests.Security;

/// <summary>Requests that fail authentication cost the server nothing durable beyond a small, bounded record.</summary>
public sealed class UnauthenticatedTrafficTests
{
    [Fact]
    public async Task UnsignedRequestsWithLargeParameters_GrowTheStoreByLessThanOneMebibyte()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-unauth-").FullName;
        try
        {
            // The store's size is measured with the broker stopped: SQLite then folds its write-ahead log into the database.
            await using (var first = await TestBroker.StartAsync(o => o.DataDirectory = directory))
            {
                Assert.Equal(HttpStatusCode.OK, (await first.CallAsync("sts", "GetCallerIdentity")).Status);
            }

            var before = StoreBytes(directory);

            // Unsigned bodies at the 1 MiB limit, each four parameters of 250 KiB (under the per-value limit).
            var count = int.TryParse(Environment.GetEnvironmentVariable("IAMDB_UNSIGNED_REQUESTS"), out var n) ? n : 200;
            var codes = new Dictionary<string, int>();
            List<AuditRecord> records;
            await using (var broker = await TestBroker.StartAsync(o => o.DataDirectory = directory))
            {
                var body = BodyAtLimit(broker.Options.MaxRequestBodyBytes);
                for (var i = 0; i < count; i++)
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, broker.Endpoint + "/") { Content = new ByteArrayContent(body) };
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
                    var reply = await broker.SendAsync(message);
                    Assert.NotEqual(HttpStatusCode.OK, reply.Status);
                    codes[reply.ErrorCode ?? "?"] = codes.GetValueOrDefault(reply.ErrorCode ?? "?") + 1;
                }

                records = (await broker.AuditAsync()).Where(r => r.ErrorCode is not null).ToList();
            }

            var growth = StoreBytes(directory) - before;
            var summary = $"{count} unsigned requests of {BodyAtLimit(1024 * 1024).Length} bytes: the store grew by {growth} bytes, "
                + $"{records.Count} records of {records.Sum(r => AuditJson.Write(r).Length)} characters in all ({string.Join(", ", codes)})";
            TestContext.Current.TestOutputHelper?.WriteLine(summary);
            Assert.True(growth < 1024 * 1024, summary);
            Assert.NotEmpty(records);
            Assert.All(records, r =>
            {
                var json = AuditJson.Write(r);
                Assert.True(json.Length < 2048, $"an audit record of {json.Length} characters");
                Assert.DoesNotContain("aaaaaaaa", json, StringComparison.Ordinal);
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task UnsignedBodyOverTheLimit_IsRefusedUnreadAndAuditedSmall()
    {
        await using var broker = await TestBroker.StartAsync();
        var body = BodyAtLimit(broker.Options.MaxRequestBodyBytes + (512 * 1024));
        using var message = new HttpRequestMessage(HttpMethod.Post, broker.Endpoint + "/") { Content = new ByteArrayContent(body) };
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");

        var reply = await broker.SendAsync(message);
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "RequestEntityTooLarge"), (reply.Status, reply.ErrorCode));
        Assert.True(AuditJson.Write(record).Length < 2048, AuditJson.Write(record));
    }

    [Fact]
    public async Task SignedRequestWithAHugeParameter_IsAuditedWithTheValueCut()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync("iam", "CreateUser", [new("UserName", "huge"), new("Path", "/" + new string('p', 200 * 1024) + "/")]);
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);
        var json = AuditJson.Write(record);

        Assert.NotNull(reply.ErrorCode);
        Assert.True(json.Length <= 32 * 1024, $"an audit record of {json.Length} characters");
        Assert.Contains("…[truncated ", record.RequestParameters!.Value.GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedAuthentication_IsAuditedWithTheTriedKeyAndWithoutParameters()
    {
        await using var broker = await TestBroker.StartAsync();

        var reply = await broker.CallAsync(
            "iam", "CreateUser", [new("UserName", "parameter-value-that-must-not-be-kept")],
            credentials: new SigningCredentials("AKIANOSUCHKEYEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);
        var json = AuditJson.Write(record);

        Assert.Equal("InvalidClientTokenId", reply.ErrorCode);
        Assert.Equal("AKIANOSUCHKEYEXAMPLE", record.UserIdentity.AccessKeyId);
        Assert.Equal("CreateUser", record.EventName);
        Assert.Equal("InvalidClientTokenId", record.ErrorCode);
        Assert.DoesNotContain("parameter-value-that-must-not-be-kept", json, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI", json, StringComparison.Ordinal);
        Assert.Contains(broker.Logs.Lines, l => l.Contains("AKIANOSUCHKEYEXAMPLE", StringComparison.Ordinal));
        Assert.DoesNotContain("wJalrXUtnFEMI", broker.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedFailedAuthentications_FromOneAddress_AreThrottledUntilTheBudgetRefills()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(time: time);
        var wrong = new SigningCredentials("AKIANOSUCHKEYEXAMPLE", new string('x', 40));

        var replies = new List<QueryReply>();
        for (var i = 0; i < 40; i++)
        {
            replies.Add(await broker.CallAsync("sts", "GetCallerIdentity", credentials: wrong));
        }

        Assert.Equal("InvalidClientTokenId", replies[0].ErrorCode);
        var throttled = replies.Where(r => r.ErrorCode == "Throttling").ToList();
        Assert.NotEmpty(throttled);
        Assert.All(throttled, r => Assert.Equal((HttpStatusCode.BadRequest, "Rate exceeded"), (r.Status, r.ErrorMessage)));
        Assert.Equal("Throttling", replies[^1].ErrorCode);

        // Throttled requests write nothing each: at most one record says the address was throttled.
        var audited = await broker.AuditAsync();
        Assert.True(audited.Count(r => r.ErrorCode == "Throttling") <= 1, $"{audited.Count(r => r.ErrorCode == "Throttling")} throttling records");

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await broker.CallAsync("sts", "GetCallerIdentity")).Status);
    }

    [Fact]
    public async Task ValidClientAtHighRate_IsNeverThrottledByTheFailureBudget()
    {
        await using var broker = await TestBroker.StartAsync();

        for (var i = 0; i < 300; i++)
        {
            var reply = await broker.CallAsync("sts", "GetCallerIdentity");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
        }
    }

    private static byte[] BodyAtLimit(int limit)
    {
        var builder = new StringBuilder("Action=CreateUser&Version=2010-05-08");
        var i = 0;
        while (builder.Length < limit - 20)
        {
            builder.Append("&P").Append(i++).Append('=').Append('a', Math.Min(250 * 1024, limit - builder.Length - 20));
        }

        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static long StoreBytes(string directory) =>
        Directory.EnumerateFiles(directory, "state.db*").Sum(f => new FileInfo(f).Length);
}
