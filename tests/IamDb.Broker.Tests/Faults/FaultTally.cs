using System.Collections.Concurrent;
using System.Net;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Faults;

/// <summary>
/// What the clients of a fault-injection burst saw: the acknowledged requests (HTTP 200, with their request ids) and
/// every refusal by status and code. A refusal that is not AWS-shaped (no XML error, no request id) fails the test.
/// </summary>
internal sealed class FaultTally
{
    private readonly ConcurrentDictionary<string, int> _outcomes = new(StringComparer.Ordinal);

    public ConcurrentBag<string> AcknowledgedRequestIds { get; } = [];

    /// <summary>The first message seen for each refusal kind (status and code).</summary>
    public ConcurrentDictionary<string, string> Examples { get; } = new(StringComparer.Ordinal);

    /// <summary>Fails unless every refusal was <c>ServiceUnavailable</c>, showing the message of any other.</summary>
    public void AssertOnlyServiceUnavailable() =>
        Assert.All(RefusalKinds, kind => Assert.True(kind == "503 ServiceUnavailable", $"{kind}: {Examples.GetValueOrDefault(kind)}"));

    public int Acknowledged => AcknowledgedRequestIds.Count;

    public int Refused => _outcomes.Where(o => o.Key != "200 OK").Sum(o => o.Value);

    /// <summary>Records one answer; true when it was acknowledged.</summary>
    public bool Record(QueryReply reply)
    {
        if (reply.Status == HttpStatusCode.OK)
        {
            Assert.False(string.IsNullOrEmpty(reply.RequestId), "an acknowledged answer without x-amzn-RequestId");
            AcknowledgedRequestIds.Add(reply.RequestId!);
            _outcomes.AddOrUpdate("200 OK", 1, (_, n) => n + 1);
            return true;
        }

        // AWS-shaped: an ErrorResponse with a code, the request id in the body and the header, text/xml.
        Assert.True(reply.ErrorCode is not null, $"a refusal that is not an AWS error: {(int)reply.Status} {reply.Body}");
        Assert.Equal("text/xml", reply.ContentType);
        Assert.False(string.IsNullOrEmpty(reply.RequestId), $"a refusal without x-amzn-RequestId: {reply.Body}");
        Assert.Equal(reply.RequestId, reply.Find("RequestId"));
        var kind = $"{(int)reply.Status} {reply.ErrorCode}";
        _outcomes.AddOrUpdate(kind, 1, (_, n) => n + 1);
        Examples.TryAdd(kind, reply.ErrorMessage ?? "");
        return false;
    }

    /// <summary>The distinct refusals seen (status and code).</summary>
    public IReadOnlyCollection<string> RefusalKinds => _outcomes.Keys.Where(k => k != "200 OK").ToList();

    /// <summary>One line for the test output: "120 acknowledged; 503 ServiceUnavailable × 14".</summary>
    public string Summary(string scenario) =>
        $"{scenario}: {Acknowledged} acknowledged, {Refused} refused"
        + string.Concat(_outcomes.Where(o => o.Key != "200 OK").OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"; {o.Key} x {o.Value}"));
}
