using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Actions;
using IamDb.Broker.Requests;

namespace IamDb.Broker.Tests.Support;

/// <summary>Builds an <see cref="ActionContext"/> outside HTTP, for calling handlers and the authorizer directly.</summary>
internal static class TestContexts
{
    public static ActionContext For(TestBroker broker, CallerIdentity caller, string action = "Test", QueryParameters? parameters = null) => new()
    {
        RequestId = IdentifierGenerator.Shared.NewRequestId(),
        Service = QueryService.Iam,
        Action = action,
        Parameters = parameters ?? QueryParameters.Empty,
        Caller = caller,
        Region = "us-east-1",
        SecureTransport = false,
        SourceIp = "127.0.0.1",
        Store = broker.Store,
        Time = broker.Time,
        Ids = IdentifierGenerator.Shared,
        Authorizer = (IActionAuthorizer)broker.Host.Services.GetService(typeof(IActionAuthorizer))!,
    };
}
