using System.Net;
using IamDb.Broker.Actions;
using IamDb.Broker.Hosting;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Tests.Hosting;

public sealed class BrokerLifecycleTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Restart_UserKeyAndEntities_Survive()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-restart-").FullName;
        Aws.Signing.SigningCredentials key;
        string arn;
        await using (var first = await TestBroker.StartAsync(dataDirectory: dir))
        {
            var (user, created) = await StoreSeed.UserWithKeyAsync(first, "alice");
            (key, arn) = (created, user.Arn);
        }

        await using var second = await TestBroker.StartAsync(dataDirectory: dir);
        var reply = await second.CallAsync("sts", "GetCallerIdentity", credentials: key);

        Assert.Equal(arn, reply.Find("Arn"));
    }

    [Fact]
    public async Task Stop_WithRequestInFlight_LetsItFinish()
    {
        var gate = new SlowHandler();
        var broker = await TestBroker.StartAsync(services: s => s.AddSingleton<IActionHandler>(gate));
        try
        {
            var call = broker.CallAsync("sts", SlowHandler.Name);
            await gate.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var stop = broker.Host.StopAsync(TestContext.Current.CancellationToken);
            gate.Release.SetResult();
            var reply = await call;
            await stop;

            Assert.Equal(HttpStatusCode.OK, reply.Status);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoNodes_OnOnePostgresStore_ShareAccountAndKeysAtOnce()
    {
        var database = await postgres.CreateDatabaseAsync("nodes");
        void Shared(BrokerOptions o)
        {
            o.Store = StoreKind.Postgres;
            o.PostgresConnectionString = postgres.Server.ConnectionString(database);
            o.AccountId = "111122223333";
        }

        await using var first = await TestBroker.StartAsync(Shared);
        await using var second = await TestBroker.StartAsync(Shared);
        var (user, key) = await StoreSeed.UserWithKeyAsync(first, "alice");

        var viaSecond = await second.CallAsync("sts", "GetCallerIdentity", credentials: key);
        var rootViaFirst = await first.CallAsync("sts", "GetCallerIdentity", credentials: second.Root);

        Assert.Equal(first.Root.AccessKeyId, second.Root.AccessKeyId);
        Assert.Equal(user.Arn, viaSecond.Find("Arn"));
        Assert.Equal("arn:aws:iam::111122223333:root", rootViaFirst.Find("Arn"));
    }

    /// <summary>A test-only STS action that waits until released, to hold a request in flight.</summary>
    private sealed class SlowHandler : IActionHandler
    {
        public const string Name = "TestSlowAction";

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Service => "sts";

        public string Action => Name;

        public async ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
        {
            Started.TrySetResult();
            await Release.Task;
            return ActionOutcome.Empty;
        }
    }
}
