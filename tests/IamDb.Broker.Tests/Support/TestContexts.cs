using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Authorization;
using IamDb.Broker.Requests;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Tests.Support;

/// <summary>Builds a <see cref="BrokerRequest"/> and its authorization outside HTTP, for calling the authorizer directly.</summary>
internal static class TestContexts
{
    public static BrokerRequest RequestFor(TestBroker broker, CallerIdentity caller, string action = "Test", QueryParameters? parameters = null) => new(
        new RequestArrival(IdentifierGenerator.Shared.NewRequestId(), broker.Time.GetUtcNow(), "127.0.0.1", SecureTransport: false, UserAgent: null),
        QueryService.Iam,
        action,
        parameters ?? QueryParameters.Empty,
        caller,
        "us-east-1");

    /// <summary>The authorization of one request of <paramref name="caller"/>, by the broker's own authorizer.</summary>
    public static RequestAuthorization AuthorizationFor(TestBroker broker, CallerIdentity caller) =>
        broker.Host.Services.GetRequiredService<PolicyAuthorizer>().For(RequestFor(broker, caller));
}
