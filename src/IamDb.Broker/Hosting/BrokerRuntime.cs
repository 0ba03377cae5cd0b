using IamDb.Aws.Identifiers;
using IamDb.Broker.State;

namespace IamDb.Broker.Hosting;

/// <summary>The per-process facts every stage shares: options, the open store, the clock, the account.</summary>
internal sealed class BrokerRuntime(BrokerOptions options, IStateStore store, TimeProvider time, IdentifierGenerator ids, string accountId, DataDirectory dataDirectory)
{
    public BrokerOptions Options { get; } = options;

    public IStateStore Store { get; } = store;

    public TimeProvider Time { get; } = time;

    public IdentifierGenerator Ids { get; } = ids;

    /// <summary>The account this broker serves.</summary>
    public string AccountId { get; } = accountId;

    public DataDirectory DataDirectory { get; } = dataDirectory;

    /// <summary>The master-key protector the store encrypts secrets with (the local cluster's password file uses it too).</summary>
    public required IamDb.Broker.Secrets.SecretProtector Protector { get; init; }

    /// <summary>The opened store itself (not a decorator of it), for what nodes agree through it.</summary>
    public required IStoreCoordination Coordination { get; init; }
}
