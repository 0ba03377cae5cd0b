using IamDb.Broker.Actions;
using IamDb.Broker.Requests;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Pipeline;

/// <summary>
/// What the store said about the key that signed a request, handed back through the verifier's lookup context so
/// the pipeline can build the <see cref="CallerIdentity"/> without a second lookup.
/// </summary>
/// <param name="Caller">The resolved caller.</param>
/// <param name="Session">The STS session for temporary keys; null for long-term keys.</param>
internal sealed record AuthenticatedKey(CallerIdentity Caller, StsSession? Session);
