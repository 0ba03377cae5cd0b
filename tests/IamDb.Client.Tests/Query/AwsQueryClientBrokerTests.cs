using System.Net;
using System.Net.Sockets;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Client.Tests.Query;

/// <summary>The generic signed Query call against a real broker on loopback.</summary>
public sealed class AwsQueryClientBrokerTests
{
    [Fact]
    public async Task GetCallerIdentity_WithTheBrokersProfile_ReturnsTheRootArnAndARequestId()
    {
        await using var broker = await LoopbackBroker.StartAsync();

        var reply = await broker.Query.CallAsync(broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:root", reply.Result.Text("Arn"));
        Assert.Equal(broker.AccountId, reply.Result.Text("Account"));
        Assert.False(string.IsNullOrEmpty(reply.RequestId));
        Assert.NotNull(reply.ServerDate);
    }

    [Fact]
    public async Task IamCallsWithListParameters_AreEncodedAsMemberLists()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        await broker.Query.CallAsync(
            broker.Request("iam", "CreateUser").Add("UserName", "alice").AddStructList(
                "Tags", [[new("Key", "team"), new("Value", "data + analytics")], [new("Key", "cost-center"), new("Value", "42")]]),
            ct);

        var user = await broker.Query.CallAsync(broker.Request("iam", "GetUser").Add("UserName", "alice"), ct);
        var simulation = await broker.Query.CallAsync(
            broker.Request("iam", "SimulatePrincipalPolicy")
                .Add("PolicySourceArn", $"arn:aws:iam::{broker.AccountId}:user/alice")
                .AddList("ActionNames", ["iam:CreateUser", "redshift:GetClusterCredentials"]),
            ct);

        var tags = user.Result.Child("User").Members("Tags").ToDictionary(t => t.Text("Key")!, t => t.Text("Value"));
        Assert.Equal("data + analytics", tags["team"]);
        Assert.Equal("42", tags["cost-center"]);
        var decisions = simulation.Result.Members("EvaluationResults").Select(r => (r.Text("EvalActionName"), r.Text("EvalDecision"))).ToList();
        Assert.Equal([("iam:CreateUser", "implicitDeny"), ("redshift:GetClusterCredentials", "implicitDeny")], decisions);
    }

    [Fact]
    public async Task AUserWithoutPolicies_GetsAccessDenied_WithCodeStatusAndRequestId()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var bob = await broker.CreateUserWithKeyAsync("bob");
        using var asBob = new AwsQueryClient(bob);

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => asBob.CallAsync(broker.Request("iam", "ListUsers"), TestContext.Current.CancellationToken));

        Assert.Equal("AccessDenied", error.Code);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal("Sender", error.ErrorType);
        Assert.StartsWith($"User: arn:aws:iam::{broker.AccountId}:user/bob is not authorized to perform: iam:ListUsers", error.ErrorMessage);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Contains(error.RequestId!, error.Message);
        Assert.False(error.IsRetryable);
        Assert.Equal("ListUsers", error.Action);
        Assert.Equal("iam", error.Service);
    }

    [Fact]
    public async Task AnUnknownAccessKey_IsInvalidClientTokenId()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        using var stranger = new AwsQueryClient(AwsCredentialSource.Explicit("AKIAUNKNOWNEXAMPLE01", "c2VjcmV0LW5vdC1rbm93bi10by10aGUtYnJva2Vy"));

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => stranger.CallAsync(broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken));

        Assert.Equal("InvalidClientTokenId", error.Code);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.DoesNotContain("c2VjcmV0LW5vdC1rbm93bi10by10aGUtYnJva2Vy", error.ToString());
    }

    [Fact]
    public async Task AClientClockHalfAnHourOff_IsCorrectedFromTheServersDateHeader()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var slow = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(30));
        using var client = new AwsQueryClient(broker.RootCredentials, new AwsQueryClientOptions { Time = slow });

        var first = await client.CallAsync(broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken);
        var second = await client.CallAsync(broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken);

        Assert.Equal($"arn:aws:iam::{broker.AccountId}:root", first.Result.Text("Arn"));
        Assert.NotNull(second.Result);
        Assert.InRange(client.ClockCorrection.TotalMinutes, 29, 31);
    }

    [Fact]
    public async Task WithoutClockCorrection_ASkewedClockSurfacesSignatureDoesNotMatch()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        var fast = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(20));
        using var client = new AwsQueryClient(broker.RootCredentials, new AwsQueryClientOptions { Time = fast, CorrectClockSkew = false });

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => client.CallAsync(broker.Request("sts", "GetCallerIdentity"), TestContext.Current.CancellationToken));

        Assert.Equal("SignatureDoesNotMatch", error.Code);
        Assert.StartsWith("Signature not yet current", error.ErrorMessage);
    }

    [Fact]
    public async Task NobodyListening_IsANetworkException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new AwsQueryClient(AwsCredentialSource.Explicit("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        var request = new AwsQueryRequest(new Uri($"http://127.0.0.1:{port}"), "us-east-1", "sts", "GetCallerIdentity", AwsServices.StsVersion);

        var error = await Assert.ThrowsAsync<AwsNetworkException>(() => client.CallAsync(request, TestContext.Current.CancellationToken));

        Assert.True(error.IsRetryable);
        Assert.Equal("GetCallerIdentity", error.Action);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public void Bodies_AreFormEncodedWithRfc3986AndEmptyListsAsNameEquals()
    {
        var request = new AwsQueryRequest(new Uri("https://redshift.us-east-1.amazonaws.com"), "us-east-1", "redshift", "GetClusterCredentials", "2012-12-01")
            .Add("DbUser", "a b+c")
            .Add("AutoCreate", true)
            .Add("DurationSeconds", 900)
            .Add("DbName", (string?)null)
            .AddList("DbGroups", [], "DbGroup")
            .AddList("Other", ["x/y", "ü"], "Item");

        var body = System.Text.Encoding.UTF8.GetString(AwsQueryClient.EncodeBody(request));

        Assert.Equal(
            "Action=GetClusterCredentials&Version=2012-12-01&DbUser=a%20b%2Bc&AutoCreate=true&DurationSeconds=900&DbGroups=&" +
            "Other.Item.1=x%2Fy&Other.Item.2=%C3%BC",
            body);
    }
}
