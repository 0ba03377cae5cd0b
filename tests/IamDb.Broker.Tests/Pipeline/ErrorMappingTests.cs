using System.Net;
using IamDb.Broker.Actions;
using IamDb.Broker.State;
using IamDb.Broker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace IamDb.Broker.Tests.Pipeline;

public sealed class ErrorMappingTests
{
    public static TheoryData<string, HttpStatusCode, string> Cases => new()
    {
        { "exists", HttpStatusCode.Conflict, "EntityAlreadyExists" },
        { "missing", HttpStatusCode.NotFound, "NoSuchEntity" },
        { "conflict", HttpStatusCode.Conflict, "DeleteConflict" },
        { "limit", HttpStatusCode.Conflict, "LimitExceeded" },
        { "marker", HttpStatusCode.BadRequest, "InvalidInput" },
        { "crash", HttpStatusCode.InternalServerError, "InternalFailure" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HandlerFailure_IsMappedToAwsError(string failure, HttpStatusCode status, string code)
    {
        await using var broker = await TestBroker.StartAsync(services: s => s.AddSingleton<IActionHandler>(new FailingHandler()));

        var reply = await broker.CallAsync("iam", FailingHandler.Name, [new("Failure", failure)]);

        Assert.Equal(status, reply.Status);
        Assert.Equal(code, reply.ErrorCode);
        Assert.Equal(status == HttpStatusCode.InternalServerError ? "Receiver" : "Sender", reply.Find("Type"));
        Assert.DoesNotContain("   at ", reply.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("boom-detail", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnexpectedException_IsLoggedAndAudited()
    {
        await using var broker = await TestBroker.StartAsync(services: s => s.AddSingleton<IActionHandler>(new FailingHandler()));

        var reply = await broker.CallAsync("iam", FailingHandler.Name, [new("Failure", "crash")]);
        var record = (await broker.AuditAsync()).Single(r => r.RequestId == reply.RequestId);

        Assert.Contains("boom-detail", broker.Logs.All, StringComparison.Ordinal);
        Assert.Equal("InternalFailure", record.ErrorCode);
    }

    /// <summary>A test-only IAM action that fails the way its <c>Failure</c> parameter says.</summary>
    private sealed class FailingHandler : IActionHandler
    {
        public const string Name = "TestFailingAction";

        public string Service => "iam";

        public string Action => Name;

        public ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct) => context.Request.Parameters.Get("Failure") switch
        {
            "exists" => throw new EntityAlreadyExistsException("User", "alice", "User with name alice already exists."),
            "missing" => throw new NoSuchEntityException("The user with name alice cannot be found."),
            "conflict" => throw new DeleteConflictException("Cannot delete entity, must delete access keys first."),
            "limit" => throw new StateLimitExceededException("AccessKeysPerUser", 2),
            "marker" => throw new InvalidMarkerException(),
            _ => throw new InvalidOperationException("boom-detail"),
        };
    }
}
