using System.Net;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Client.Tests.Support;

namespace IamDb.Client.Tests.Query;

/// <summary>The typed Redshift calls, against AWS's documented sample answers replayed on loopback.</summary>
public sealed class RedshiftClientTests
{
    private const string Namespace = "http://redshift.amazonaws.com/doc/2012-12-01/";

    private static readonly AwsCredentialSource Keys = AwsCredentialSource.Explicit("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    [Fact]
    public void TheDefaultEndpoint_IsAwsRedshiftInTheRegion()
    {
        using var query = new AwsQueryClient(Keys);

        var client = new RedshiftClient(query, "eu-west-1");

        Assert.Equal(new Uri("https://redshift.eu-west-1.amazonaws.com"), client.Endpoint);
        Assert.True(client.IsAws);
        Assert.False(new RedshiftClient(query, "eu-west-1", new Uri("http://127.0.0.1:8080")).IsAws);
    }

    [Fact]
    public async Task GetClusterCredentials_SendsTheModelsWireNames_AndParsesExpirationAsUtc()
    {
        await using var server = new ReplayServer(_ => (200, $"""
            <GetClusterCredentialsResponse xmlns="{Namespace}">
              <GetClusterCredentialsResult>
                <DbUser>IAMA:adminuser:example_group</DbUser>
                <Expiration>2019-12-27T19:44:51.001Z</Expiration>
                <DbPassword>AMAFUyyuros/QjxPTtgzcsuQsqzIasdzJEN04aCtWDzXx1O9d6UmpkBtvEeqFly/EXAMPLE==</DbPassword>
              </GetClusterCredentialsResult>
              <ResponseMetadata><RequestId>404b34b9-28df-11ea-a940-1b28a85fd753</RequestId></ResponseMetadata>
            </GetClusterCredentialsResponse>
            """));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-2", server.Endpoint);

        var credentials = await client.GetClusterCredentialsAsync(
            new GetClusterCredentialsRequest
            {
                DbUser = "adminuser",
                ClusterIdentifier = "mycluster",
                DbName = "dev",
                AutoCreate = true,
                DurationSeconds = 1800,
                DbGroups = ["example_group", "b"],
            },
            TestContext.Current.CancellationToken);

        Assert.Equal("IAMA:adminuser:example_group", credentials.DbUser);
        Assert.Equal(new DateTimeOffset(2019, 12, 27, 19, 44, 51, 1, TimeSpan.Zero), credentials.Expiration);
        Assert.Equal(TimeSpan.Zero, credentials.Expiration.Offset);
        Assert.Equal("404b34b9-28df-11ea-a940-1b28a85fd753", credentials.RequestId);
        Assert.DoesNotContain("EXAMPLE==", credentials.ToString());
        Assert.True(server.Bodies.TryDequeue(out var body));
        Assert.Equal(
            "Action=GetClusterCredentials&Version=2012-12-01&DbUser=adminuser&DbName=dev&ClusterIdentifier=mycluster&DurationSeconds=1800&" +
            "AutoCreate=true&DbGroups.DbGroup.1=example_group&DbGroups.DbGroup.2=b",
            body);
        Assert.True(server.Authorizations.TryDequeue(out var authorization));
        Assert.Contains("/us-east-2/redshift/aws4_request", authorization);
    }

    [Fact]
    public async Task GetClusterCredentialsWithIam_ParsesNextRefreshTime()
    {
        await using var server = new ReplayServer(_ => (200, $"""
            <GetClusterCredentialsWithIAMResponse xmlns="{Namespace}">
              <GetClusterCredentialsWithIAMResult>
                <DbUser>IAM:alice</DbUser><DbPassword>pw-EXAMPLE</DbPassword>
                <Expiration>2026-11-24T02:39:32Z</Expiration><NextRefreshTime>2026-11-24T02:34:32Z</NextRefreshTime>
              </GetClusterCredentialsWithIAMResult>
              <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
            </GetClusterCredentialsWithIAMResponse>
            """));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-1", server.Endpoint);

        var credentials = await client.GetClusterCredentialsWithIamAsync(
            new GetClusterCredentialsWithIamRequest { ClusterIdentifier = "c1", DbName = "dev", DurationSeconds = 900 },
            TestContext.Current.CancellationToken);

        Assert.Equal("IAM:alice", credentials.DbUser);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 2, 34, 32, TimeSpan.Zero), credentials.NextRefreshTime);
        Assert.True(server.Bodies.TryDequeue(out var body));
        Assert.Equal("Action=GetClusterCredentialsWithIAM&Version=2012-12-01&DbName=dev&ClusterIdentifier=c1&DurationSeconds=900", body);
    }

    [Fact]
    public async Task DescribeClusters_ReadsEndpointStatusTagsAndMarker_AndAClusterWithoutEndpoint()
    {
        await using var server = new ReplayServer(_ => (200, $"""
            <DescribeClustersResponse xmlns="{Namespace}">
              <DescribeClustersResult>
                <Marker>next-page</Marker>
                <Clusters>
                  <Cluster>
                    <ClusterIdentifier>mycluster</ClusterIdentifier><NumberOfNodes>1</NumberOfNodes>
                    <Endpoint><Port>5439</Port><Address>mycluster.cmeaswqeuae.us-east-2.redshift.amazonaws.com</Address></Endpoint>
                    <ClusterCreateTime>2019-12-23T23:21:27.977Z</ClusterCreateTime><MasterUsername>adminuser</MasterUsername>
                    <DBName>dev</DBName><Encrypted>false</Encrypted><ClusterStatus>available</ClusterStatus>
                    <Tags><Tag><Key>env</Key><Value>prod</Value></Tag></Tags>
                  </Cluster>
                  <Cluster><ClusterIdentifier>fresh</ClusterIdentifier><ClusterStatus>creating</ClusterStatus></Cluster>
                </Clusters>
              </DescribeClustersResult>
              <ResponseMetadata><RequestId>e47f901c-283e-11ea-8397-219d1980588b</RequestId></ResponseMetadata>
            </DescribeClustersResponse>
            """));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-2", server.Endpoint);

        var page = await client.DescribeClustersAsync(new DescribeClustersRequest { TagKeys = ["env"] }, TestContext.Current.CancellationToken);

        Assert.Equal("next-page", page.Marker);
        Assert.Equal(2, page.Clusters.Count);
        var cluster = page.Clusters[0];
        Assert.Equal(new ClusterEndpointAddress("mycluster.cmeaswqeuae.us-east-2.redshift.amazonaws.com", 5439), cluster.Endpoint);
        Assert.Equal("available", cluster.ClusterStatus);
        Assert.Equal("dev", cluster.DBName);
        Assert.Equal(1, cluster.NumberOfNodes);
        Assert.False(cluster.Encrypted);
        Assert.Equal("prod", cluster.Tags["env"]);
        Assert.Null(page.Clusters[1].Endpoint);
        Assert.True(server.Bodies.TryDequeue(out var body));
        Assert.Equal("Action=DescribeClusters&Version=2012-12-01&TagKeys.TagKey.1=env", body);
    }

    [Fact]
    public async Task AnAwsErrorResponse_BecomesAwsServiceException_WithBodyRequestId()
    {
        await using var server = new ReplayServer(_ => (404, $"""
            <ErrorResponse xmlns="{Namespace}">
              <Error><Type>Sender</Type><Code>ClusterNotFound</Code><Message>Cluster awscluster not found.</Message></Error>
              <RequestId>f03377e4-bf0f-43f1-89b0-c6a120efb2a7</RequestId>
            </ErrorResponse>
            """));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-1", server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => client.DescribeClusterAsync("awscluster", TestContext.Current.CancellationToken));

        Assert.Equal("ClusterNotFound", error.Code);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("f03377e4-bf0f-43f1-89b0-c6a120efb2a7", error.RequestId);
        Assert.Equal("Cluster awscluster not found.", error.ErrorMessage);
    }

    [Theory]
    [InlineData(400, "Throttling", "Rate exceeded", true)]
    [InlineData(400, "ThrottlingException", "slow down", true)]
    [InlineData(400, "SomethingElse", "Rate exceeded", true)]
    [InlineData(429, "TooManyRequests", "x", true)]
    [InlineData(400, "InvalidParameterValue", "bad", false)]
    public async Task ThrottlingIsRecognisedByCodeStatusOrMessage(int status, string code, string message, bool throttled)
    {
        await using var server = new ReplayServer(_ => (status,
            $"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-1", server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => client.GetClusterCredentialsAsync(new GetClusterCredentialsRequest { DbUser = "u", ClusterIdentifier = "c" }, TestContext.Current.CancellationToken));

        Assert.Equal(throttled, error.IsThrottling);
        Assert.Equal(throttled, error.IsRetryable);
    }

    [Fact]
    public async Task ANonXmlGatewayError_KeepsItsStatus_AndIsTransient()
    {
        await using var server = new ReplayServer(_ => (503, "<html><body>Service Unavailable</body>"));
        using var query = new AwsQueryClient(Keys);
        var client = new RedshiftClient(query, "us-east-1", server.Endpoint);

        var error = await Assert.ThrowsAsync<AwsServiceException>(
            () => client.DescribeClustersAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal("header-request-id", error.RequestId);
    }
}
