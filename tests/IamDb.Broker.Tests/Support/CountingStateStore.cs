using IamDb.Broker.State;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Tests.Support;

/// <summary>
/// A state store that passes everything to the real one and counts read units of work and loads of a caller's
/// policies. Every policy load starts by listing the account's guardrails (nothing else on the request path reads them),
/// so <see cref="PolicyLoads"/> counts those listings.
/// </summary>
internal sealed class CountingStateStore(IStateStore inner) : IStateStore
{
    private int _reads;
    private int _policyLoads;

    /// <summary>Read units of work (transactions) started.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Policy loads: guardrail listings, in read or write units of work.</summary>
    public int PolicyLoads => Volatile.Read(ref _policyLoads);

    /// <summary>Sets both counters to zero (after the set-up requests of a test).</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _reads, 0);
        Interlocked.Exchange(ref _policyLoads, 0);
    }

    public Task<T> ReadAsync<T>(Func<IStateReader, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync((reader, ct) => work(new CountingReader(reader, this), ct), cancellationToken);
    }

    public Task<T> WriteAsync<T>(Func<IStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(work, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void CountPolicyLoad() => Interlocked.Increment(ref _policyLoads);

    private sealed class CountingReader(IStateReader inner, CountingStateStore owner) : IStateReader
    {
        public IUserReader Users => inner.Users;

        public IGroupReader Groups => inner.Groups;

        public IRoleReader Roles => inner.Roles;

        public IManagedPolicyReader Policies => inner.Policies;

        public IInlinePolicyReader InlinePolicies => inner.InlinePolicies;

        public IAccessKeyReader AccessKeys => inner.AccessKeys;

        public ISessionReader Sessions => inner.Sessions;

        public IGuardrailReader Guardrails => new CountingGuardrails(inner.Guardrails, owner);

        public IClusterReader Clusters => inner.Clusters;

        public ICredentialReader Credentials => inner.Credentials;

        public IAuditReader Audit => inner.Audit;

        public IIdentityProviderReader IdentityProviders => inner.IdentityProviders;
    }

    private sealed class CountingGuardrails(IGuardrailReader inner, CountingStateStore owner) : IGuardrailReader
    {
        public Task<IReadOnlyList<GuardrailPolicy>> ListAsync(string accountId, CancellationToken cancellationToken)
        {
            owner.CountPolicyLoad();
            return inner.ListAsync(accountId, cancellationToken);
        }
    }
}
