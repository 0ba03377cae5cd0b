using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

public class QueryResponseWriterTests
{
    internal const string RequestId = "f1dfd149-5bee-41e6-90ab-4b1e521fd574";
    internal static readonly DateTimeOffset Created = new(2026, 11, 24, 2, 39, 32, 123, TimeSpan.Zero);

    internal static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    internal static byte[] StsGetCallerIdentity() =>
        QueryResponseWriter.ToBytes(QueryService.StsNamespace, "GetCallerIdentity", RequestId, w =>
        {
            w.WriteString("UserId", "AIDAJQABLZS4A3QDU576Q");
            w.WriteString("Account", "123456789012");
            w.WriteString("Arn", "arn:aws:iam::123456789012:user/alice");
        });

    internal static byte[] IamCreateUser() =>
        QueryResponseWriter.ToBytes(QueryService.IamNamespace, "CreateUser", RequestId, w =>
            w.WriteStructure("User", u =>
            {
                u.WriteString("Path", "/");
                u.WriteString("UserName", "alice");
                u.WriteString("UserId", "AIDAJQABLZS4A3QDU576Q");
                u.WriteString("Arn", "arn:aws:iam::123456789012:user/alice");
                u.WriteTimestamp("CreateDate", Created);
                u.WriteTimestamp("PasswordLastUsed", null);
                u.WriteList("Tags", new[] { ("env", "prod"), ("team", "db & <ops>") }, (t, tag) =>
                {
                    t.WriteString("Key", tag.Item1);
                    t.WriteString("Value", tag.Item2);
                });
            }));

    internal static byte[] RedshiftGetClusterCredentials() =>
        QueryResponseWriter.ToBytes(QueryService.RedshiftNamespace, "GetClusterCredentials", RequestId, w =>
        {
            w.WriteString("DbUser", "IAM:adam");
            w.WriteString("DbPassword", "pw/+==");
            w.WriteTimestamp("Expiration", Created.AddSeconds(900));
        });

    internal static byte[] StsAccessDenied() =>
        QueryResponseWriter.ErrorToBytes(
            QueryService.StsNamespace,
            new AwsError(AwsErrorCodes.AccessDenied, "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole", 403),
            RequestId);

    [Fact]
    public void ToBytes_StsGetCallerIdentity_MatchesAwsShape() =>
        Assert.Equal(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
            + "<UserId>AIDAJQABLZS4A3QDU576Q</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/alice</Arn>"
            + "</GetCallerIdentityResult><ResponseMetadata><RequestId>" + RequestId + "</RequestId></ResponseMetadata>"
            + "</GetCallerIdentityResponse>",
            Text(StsGetCallerIdentity()));

    [Fact]
    public void ToBytes_IamCreateUser_MatchesAwsShape() =>
        Assert.Equal(
            "<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User>"
            + "<Path>/</Path><UserName>alice</UserName><UserId>AIDAJQABLZS4A3QDU576Q</UserId>"
            + "<Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2026-11-24T02:39:32.123Z</CreateDate>"
            + "<Tags><member><Key>env</Key><Value>prod</Value></member><member><Key>team</Key><Value>db &amp; &lt;ops&gt;</Value></member></Tags>"
            + "</User></CreateUserResult><ResponseMetadata><RequestId>" + RequestId + "</RequestId></ResponseMetadata>"
            + "</CreateUserResponse>",
            Text(IamCreateUser()));

    [Fact]
    public void ToBytes_RedshiftDescribeClusters_UsesNamedListItems() =>
        Assert.Equal(
            "<DescribeClustersResponse xmlns=\"http://redshift.amazonaws.com/doc/2012-12-01/\"><DescribeClustersResult>"
            + "<Clusters><Cluster><ClusterIdentifier>prod</ClusterIdentifier><NumberOfNodes>2</NumberOfNodes>"
            + "<PubliclyAccessible>false</PubliclyAccessible><Endpoint><Address>db.local</Address><Port>5439</Port></Endpoint>"
            + "<ClusterNodes><member><NodeRole>LEADER</NodeRole></member></ClusterNodes>"
            + "<Tags><Tag><Key>env</Key><Value>prod</Value></Tag></Tags><IamRoles /></Cluster></Clusters>"
            + "</DescribeClustersResult><ResponseMetadata><RequestId>" + RequestId + "</RequestId></ResponseMetadata>"
            + "</DescribeClustersResponse>",
            Text(QueryResponseWriter.ToBytes(QueryService.RedshiftNamespace, "DescribeClusters", RequestId, w =>
                w.WriteList("Clusters", ["prod"], (c, id) =>
                {
                    c.WriteString("ClusterIdentifier", id);
                    c.WriteInt32("NumberOfNodes", 2);
                    c.WriteBoolean("PubliclyAccessible", false);
                    c.WriteStructure("Endpoint", e =>
                    {
                        e.WriteString("Address", "db.local");
                        e.WriteInt32("Port", 5439);
                    });
                    c.WriteList("ClusterNodes", ["LEADER"], (n, role) => n.WriteString("NodeRole", role));
                    c.WriteList("Tags", [("env", "prod")], (t, tag) =>
                    {
                        t.WriteString("Key", tag.Item1);
                        t.WriteString("Value", tag.Item2);
                    }, "Tag");
                    c.WriteStringList("IamRoles", [], "ClusterIamRole");
                }, "Cluster"))));

    [Fact]
    public void ToBytes_NoResultShape_WritesOnlyResponseMetadata() =>
        Assert.Equal(
            "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>"
            + RequestId + "</RequestId></ResponseMetadata></DeleteUserResponse>",
            Text(QueryResponseWriter.ToBytes(QueryService.IamNamespace, "DeleteUser", RequestId, null)));

    [Fact]
    public void ErrorToBytes_SenderError_MatchesAwsEnvelope() =>
        Assert.Equal(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            + "<Message>User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole</Message></Error>"
            + "<RequestId>" + RequestId + "</RequestId></ErrorResponse>",
            Text(StsAccessDenied()));

    [Fact]
    public void ErrorToBytes_ServerError_IsReceiver()
    {
        var xml = Text(QueryResponseWriter.ErrorToBytes(
            QueryService.RedshiftNamespace, new AwsError(AwsErrorCodes.InternalFailure, "boom", 500), RequestId));
        Assert.Contains("<Type>Receiver</Type><Code>InternalFailure</Code>", xml);
    }

    [Fact]
    public void ToBytes_Always_Utf8WithoutBomOrDeclaration()
    {
        var bytes = QueryResponseWriter.ToBytes(QueryService.IamNamespace, "GetUser", RequestId, w => w.WriteString("UserName", "Jürgen😀"));
        Assert.Equal((byte)'<', bytes[0]);
        Assert.Contains("<UserName>Jürgen😀</UserName>", Text(bytes));
    }

    [Fact]
    public void WriteScalars_AllTypes_UseProtocolFormats()
    {
        var xml = Text(QueryResponseWriter.ToBytes(QueryService.IamNamespace, "X", RequestId, w =>
        {
            w.WriteBoolean("T", true);
            w.WriteBoolean("F", false);
            w.WriteBoolean("N", null);
            w.WriteInt32("I", -42);
            w.WriteInt64("L", 9_000_000_000L);
            w.WriteTimestamp("D", new DateTimeOffset(2026, 1, 2, 5, 4, 5, 6, TimeSpan.FromHours(3)).AddTicks(9999));
            w.WriteString("S", null);
            w.WriteMap("M", [new("k", "v")]);
            w.StartElement("Manual");
            w.WriteString("Inner", "x");
            w.EndElement();
        }));
        Assert.Contains(
            "<XResult><T>true</T><F>false</F><I>-42</I><L>9000000000</L><D>2026-01-02T02:04:05.006Z</D>"
            + "<M><entry><key>k</key><value>v</value></entry></M><Manual><Inner>x</Inner></Manual></XResult>",
            xml);
    }

    [Fact]
    public void WriteResult_ToStream_WritesSameBytesAsToBytes()
    {
        using var stream = new MemoryStream();
        QueryResponseWriter.WriteResult(stream, QueryService.StsNamespace, "GetCallerIdentity", RequestId, 7, static (w, n) =>
        {
            w.WriteString("UserId", "AIDAJQABLZS4A3QDU576Q");
            w.WriteString("Account", "123456789012");
            w.WriteString("Arn", "arn:aws:iam::123456789012:user/alice");
        });
        Assert.Equal(StsGetCallerIdentity(), stream.ToArray());
    }

    [Fact]
    public void QueryService_Constants_MatchBotocoreMetadata()
    {
        Assert.Equal(("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/"), (QueryService.Iam.SigningName, QueryService.Iam.Version, QueryService.Iam.XmlNamespace));
        Assert.Equal(("sts", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/"), (QueryService.Sts.SigningName, QueryService.Sts.Version, QueryService.Sts.XmlNamespace));
        Assert.Equal(("redshift", "2012-12-01", "http://redshift.amazonaws.com/doc/2012-12-01/"), (QueryService.Redshift.SigningName, QueryService.Redshift.Version, QueryService.Redshift.XmlNamespace));
        Assert.Same(QueryService.Sts, QueryService.FromSigningName("sts"));
        Assert.Null(QueryService.FromSigningName("s3"));
        Assert.Equal("text/xml", QueryContentTypes.Xml);
    }

    [Theory]
    [InlineData("2026-11-24T02:39:32.123Z")]
    [InlineData("1999-12-31T23:59:59.999Z")]
    public void QueryTimestamps_FormatThenParse_RoundTrips(string text)
    {
        Assert.True(QueryTimestamps.TryParse(text, out var value));
        Assert.Equal(text, QueryTimestamps.Format(value));
    }

    // ToBytes reuses one XML writer per thread: each document must come out as a fresh writer writes it, whatever came before.
    [Fact]
    public void ToBytes_DocumentsInARow_EachAsAFreshWriterWritesIt()
    {
        var expectedUser = FreshResult(QueryService.IamNamespace, "CreateUser", w => w.WriteStructure("User", u => u.WriteString("UserName", "alice")));
        var expectedIdentity = FreshResult(QueryService.StsNamespace, "GetCallerIdentity", w => w.WriteString("Account", "123456789012"));
        var error = new AwsError(AwsErrorCodes.AccessDenied, "denied", 403);
        using var freshError = new MemoryStream();
        QueryResponseWriter.WriteError(freshError, QueryService.StsNamespace, error, RequestId);

        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(expectedUser, Text(QueryResponseWriter.ToBytes(QueryService.IamNamespace, "CreateUser", RequestId, w => w.WriteStructure("User", u => u.WriteString("UserName", "alice")))));
            Assert.Equal(Text(freshError.ToArray()), Text(QueryResponseWriter.ErrorToBytes(QueryService.StsNamespace, error, RequestId)));
            Assert.Equal(expectedIdentity, Text(QueryResponseWriter.ToBytes(QueryService.StsNamespace, "GetCallerIdentity", RequestId, w => w.WriteString("Account", "123456789012"))));
        }
    }

    [Fact]
    public void ToBytes_AfterAWriterThatThrew_NextDocumentIsWhole()
    {
        Assert.Throws<InvalidDataException>(() => QueryResponseWriter.ToBytes(QueryService.IamNamespace, "CreateUser", RequestId, w =>
        {
            w.StartElement("User");
            w.WriteString("UserName", "half");
            throw new InvalidDataException("handler bug");
        }));

        var expected = FreshResult(QueryService.StsNamespace, "GetCallerIdentity", w => w.WriteString("Account", "123456789012"));
        Assert.Equal(expected, Text(QueryResponseWriter.ToBytes(QueryService.StsNamespace, "GetCallerIdentity", RequestId, w => w.WriteString("Account", "123456789012"))));
    }

    [Fact]
    public void ToBytes_ElementLeftOpen_ClosedAsBeforeAndNotCarriedIntoTheNextDocument()
    {
        static void LeavesUserOpen(QueryXmlWriter w)
        {
            w.StartElement("User");
            w.WriteString("UserName", "alice");
        }

        Assert.Equal(FreshResult(QueryService.IamNamespace, "GetUser", LeavesUserOpen), Text(QueryResponseWriter.ToBytes(QueryService.IamNamespace, "GetUser", RequestId, LeavesUserOpen)));
        var expected = FreshResult(QueryService.StsNamespace, "GetCallerIdentity", w => w.WriteString("Account", "123456789012"));
        Assert.Equal(expected, Text(QueryResponseWriter.ToBytes(QueryService.StsNamespace, "GetCallerIdentity", RequestId, w => w.WriteString("Account", "123456789012"))));
    }

    [Fact]
    public void EndElement_WithoutStartElement_Throws() =>
        Assert.Throws<InvalidOperationException>(() => QueryResponseWriter.ToBytes(QueryService.IamNamespace, "GetUser", RequestId, w => w.EndElement()));

    private static string FreshResult(string xmlNamespace, string action, Action<QueryXmlWriter> writeResult)
    {
        using var stream = new MemoryStream();
        QueryResponseWriter.WriteResult(stream, xmlNamespace, action, RequestId, writeResult);
        return Text(stream.ToArray());
    }
}
