using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.State;

/// <summary>
/// The broker's durable state. Every access is a unit of work: <see cref="ReadAsync{T}"/> sees one
/// consistent snapshot; <see cref="WriteAsync{T}"/> is one ACID transaction that commits whole when the
/// delegate returns and leaves nothing when it throws, so handlers can check-then-write safely (DeleteUser
/// refusing while keys remain). The write delegate may run more than once when a shared database asks for a
/// retry (serialization failures), so it must not have effects outside the store.
/// </summary>
internal interface IStateStore : IAsyncDisposable
{
    Task<T> ReadAsync<T>(Func<IStateReader, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);

    Task<T> WriteAsync<T>(Func<IStateWriter, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default);
}

/// <summary>Read access inside a unit of work, grouped by entity kind.</summary>
internal interface IStateReader
{
    IUserReader Users { get; }

    IGroupReader Groups { get; }

    IRoleReader Roles { get; }

    IManagedPolicyReader Policies { get; }

    IInlinePolicyReader InlinePolicies { get; }

    IAccessKeyReader AccessKeys { get; }

    ISessionReader Sessions { get; }

    IGuardrailReader Guardrails { get; }

    IClusterReader Clusters { get; }

    ICredentialReader Credentials { get; }

    IAuditReader Audit { get; }

    IIdentityProviderReader IdentityProviders { get; }
}

/// <summary>Read and write access inside one transaction.</summary>
internal interface IStateWriter : IStateReader
{
    new IUserWriter Users { get; }

    new IGroupWriter Groups { get; }

    new IRoleWriter Roles { get; }

    new IManagedPolicyWriter Policies { get; }

    new IInlinePolicyWriter InlinePolicies { get; }

    new IAccessKeyWriter AccessKeys { get; }

    new ISessionWriter Sessions { get; }

    new IGuardrailWriter Guardrails { get; }

    new IClusterWriter Clusters { get; }

    new ICredentialWriter Credentials { get; }

    new IAuditWriter Audit { get; }

    new IIdentityProviderWriter IdentityProviders { get; }
}

/// <summary>Conveniences over <see cref="IStateStore"/>.</summary>
internal static class StateStoreExtensions
{
    /// <summary>A write unit of work without a result.</summary>
    public static Task WriteAsync(this IStateStore store, Func<IStateWriter, CancellationToken, Task> work, CancellationToken cancellationToken = default) =>
        store.WriteAsync<bool>(
            async (writer, ct) =>
            {
                await work(writer, ct);
                return true;
            },
            cancellationToken);
}
