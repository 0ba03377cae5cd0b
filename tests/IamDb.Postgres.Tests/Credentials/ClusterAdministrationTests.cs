using IamDb.Postgres.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Credentials;

/// <summary>What every test class of the cluster administration shares: the fixture's server as a cluster, and an administration object per test.</summary>
public abstract class ClusterAdministrationTests(PostgresServerFixture fixture) : IAsyncLifetime
{
    private protected ClusterHarness Cluster { get; } = new(fixture);

    private protected PostgresClusterAdministration Admin { get; } = new();

    private protected static CancellationToken Ct => ClusterHarness.Ct;

    /// <inheritdoc/>
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
