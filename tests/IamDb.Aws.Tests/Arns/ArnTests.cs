using CsCheck;
using IamDb.Aws.Arns;

namespace IamDb.Aws.Tests.Arns;

public class ArnTests
{
    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/alice", "aws", "iam", "", "123456789012", "user/alice")]
    [InlineData("arn:aws-cn:redshift:cn-north-1:123456789012:dbuser:prod/IAM:adam", "aws-cn", "redshift", "cn-north-1", "123456789012", "dbuser:prod/IAM:adam")]
    [InlineData("arn:aws-us-gov:s3:::bucket/key:with:colons", "aws-us-gov", "s3", "", "", "bucket/key:with:colons")]
    [InlineData("arn:aws:iam::aws:policy/AdministratorAccess", "aws", "iam", "", "aws", "policy/AdministratorAccess")]
    public void TryParse_ValidArn_SplitsFiveParts(string text, string partition, string service, string region, string account, string resource)
    {
        Assert.True(Arn.TryParse(text, out var arn, out var error), error);
        Assert.Equal((partition, service, region, account, resource), (arn.Partition, arn.Service, arn.Region, arn.Account, arn.Resource));
        Assert.Equal(text, arn.ToString());
    }

    [Theory]
    [InlineData(null, "must not be empty")]
    [InlineData("", "must not be empty")]
    [InlineData("aws:iam::123456789012:user/a", "must begin with 'arn:'")]
    [InlineData("ARN:aws:iam::123456789012:user/a", "must begin with 'arn:'")]
    [InlineData("arn:aws:iam::123456789012", "six colon-separated parts")]
    [InlineData("arn:aws:iam:", "six colon-separated parts")]
    [InlineData("arn:azure:iam::123456789012:user/a", "partition 'azure'")]
    [InlineData("arn:aws::us-east-1:123456789012:x", "service ''")]
    [InlineData("arn:aws:IAM::123456789012:user/a", "service 'IAM'")]
    [InlineData("arn:aws:redshift:US_EAST:123456789012:cluster:a", "region 'US_EAST'")]
    [InlineData("arn:aws:iam::12345678901:user/a", "account '12345678901'")]
    [InlineData("arn:aws:iam::1234567890123:user/a", "account '1234567890123'")]
    [InlineData("arn:aws:iam::12345678901x:user/a", "account '12345678901x'")]
    [InlineData("arn:aws:iam::123456789012:", "resource part")]
    [InlineData("arn:aws:iam::123456789012:user/a\nb", "control characters")]
    public void TryParse_BadArn_ExplainsWhy(string? text, string expected)
    {
        Assert.False(Arn.TryParse(text, out var arn, out var error));
        Assert.Null(arn);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryParse_TooLong_Fails()
    {
        var text = "arn:aws:iam::123456789012:user/" + new string('a', Arn.MaxLength);
        Assert.False(Arn.TryParse(text, out _, out var error));
        Assert.Contains("2048", error);
    }

    [Fact]
    public void Parse_BadArn_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => Arn.Parse("nope"));

    // Keyed by the expected text: the Arn type is internal, so theory data carries only strings.
    private static readonly Dictionary<string, Arn> FactoryArns = new(StringComparer.Ordinal)
    {
        ["arn:aws:iam::123456789012:user/alice"] = Arn.IamUser("123456789012", "/", "alice"),
        ["arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob"] = Arn.IamUser("123456789012", "/division_abc/subdivision_xyz/", "Bob"),
        ["arn:aws:iam::123456789012:group/eng/dbas"] = Arn.IamGroup("123456789012", "/eng/", "dbas"),
        ["arn:aws:iam::123456789012:role/service-role/etl"] = Arn.IamRole("123456789012", "/service-role/", "etl"),
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"] = Arn.IamPolicy("aws", "/", "ReadOnlyAccess"),
        ["arn:aws:iam::123456789012:root"] = Arn.IamRoot("123456789012"),
        ["arn:aws:sts::123456789012:assumed-role/etl/job-42"] = Arn.StsAssumedRole("123456789012", "etl", "job-42"),
        ["arn:aws:sts::123456789012:federated-user/bob"] = Arn.StsFederatedUser("123456789012", "bob"),
        ["arn:aws:redshift:us-east-1:123456789012:cluster:prod"] = Arn.RedshiftCluster("us-east-1", "123456789012", "prod"),
        ["arn:aws:redshift:us-east-1:123456789012:dbuser:prod/adam"] = Arn.RedshiftDbUser("us-east-1", "123456789012", "prod", "adam"),
        ["arn:aws:redshift:us-east-1:123456789012:dbname:prod/dev"] = Arn.RedshiftDbName("us-east-1", "123456789012", "prod", "dev"),
        ["arn:aws:redshift:eu-west-1:123456789012:dbgroup:prod/readers"] = Arn.RedshiftDbGroup("eu-west-1", "123456789012", "prod", "readers", AwsPartitions.Aws),
        ["arn:aws-us-gov:iam::123456789012:user/alice"] = Arn.IamUser("123456789012", "/", "alice", AwsPartitions.AwsUsGov),
    };

    public static TheoryData<string> Factories => new(FactoryArns.Keys);

    [Theory]
    [MemberData(nameof(Factories))]
    public void Factory_AnyForm_FormatsAndParsesBack(string expected)
    {
        var arn = FactoryArns[expected];
        Assert.Equal(expected, arn.ToString());
        Assert.Equal(arn, Arn.Parse(expected));
    }

    [Fact]
    public void Factories_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123", "/", "a"));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("aws", "/", "a"));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123456789012", "no-slash", "a"));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123456789012", "/a", "a"));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123456789012", "/", ""));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123456789012", "/", "a/b"));
        Assert.Throws<ArgumentException>(() => Arn.IamUser("123456789012", "/", "a", "azure"));
        Assert.Throws<ArgumentException>(() => Arn.StsAssumedRole("123456789012", "r", "s/x"));
        Assert.Throws<ArgumentException>(() => Arn.RedshiftDbUser("", "123456789012", "c", "u"));
        Assert.Throws<ArgumentException>(() => Arn.RedshiftDbUser("us-east-1", "123456789012", "c/d", "u"));
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/alice", nameof(IamEntityType.User), "/", "alice")]
    [InlineData("arn:aws:iam::123456789012:group/a/b/g", nameof(IamEntityType.Group), "/a/b/", "g")]
    [InlineData("arn:aws:iam::123456789012:role/service-role/r", nameof(IamEntityType.Role), "/service-role/", "r")]
    [InlineData("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", nameof(IamEntityType.Policy), "/job-function/", "ViewOnlyAccess")]
    public void TryGetIamEntity_IamForms_SplitPathAndName(string text, string type, string path, string name)
    {
        Assert.True(Arn.Parse(text).TryGetIamEntity(out var t, out var p, out var n));
        Assert.Equal((Enum.Parse<IamEntityType>(type), path, name), (t, p, n));
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/")]
    [InlineData("arn:aws:iam::123456789012:root")]
    [InlineData("arn:aws:iam::123456789012:instance-profile/x")]
    [InlineData("arn:aws:iam::aws:user/x")]
    [InlineData("arn:aws:iam:us-east-1:123456789012:user/x")]
    [InlineData("arn:aws:sts::123456789012:user/x")]
    public void TryGetIamEntity_OtherForms_False(string text) =>
        Assert.False(Arn.Parse(text).TryGetIamEntity(out _, out _, out _));

    [Theory]
    [InlineData("arn:aws:iam::123456789012:root", true)]
    [InlineData("arn:aws:iam::123456789012:user/root", false)]
    [InlineData("arn:aws:sts::123456789012:root", false)]
    public void IsIamRoot_Always_MatchesOnlyAccountRoot(string text, bool expected) =>
        Assert.Equal(expected, Arn.Parse(text).IsIamRoot);

    [Theory]
    [InlineData("arn:aws:sts::123456789012:assumed-role/etl/job-42", true, "etl", "job-42")]
    [InlineData("arn:aws:sts::123456789012:assumed-role/etl", false, null, null)]
    [InlineData("arn:aws:sts::123456789012:assumed-role/etl/a/b", false, null, null)]
    [InlineData("arn:aws:iam::123456789012:assumed-role/etl/s", false, null, null)]
    public void TryGetStsAssumedRole_Forms(string text, bool ok, string? role, string? session)
    {
        Assert.Equal(ok, Arn.Parse(text).TryGetStsAssumedRole(out var r, out var s));
        Assert.Equal((role, session), (r, s));
    }

    [Theory]
    [InlineData("arn:aws:sts::123456789012:federated-user/bob", true, "bob")]
    [InlineData("arn:aws:sts::123456789012:federated-user/", false, null)]
    [InlineData("arn:aws:sts::123456789012:federated-user/a/b", false, null)]
    public void TryGetStsFederatedUser_Forms(string text, bool ok, string? name)
    {
        Assert.Equal(ok, Arn.Parse(text).TryGetStsFederatedUser(out var n));
        Assert.Equal(name, n);
    }

    [Theory]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:prod/IAM:adam", "dbuser", "prod", "IAM:adam")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbname:prod/dev", "dbname", "prod", "dev")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbgroup:prod/readers", "dbgroup", "prod", "readers")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:cluster:prod", "cluster", "prod", null)]
    public void TryGetRedshift_EachForm_OnlyItsOwnReaderMatches(string text, string kind, string cluster, string? name)
    {
        var arn = Arn.Parse(text);
        Assert.Equal(kind == "dbuser", arn.TryGetRedshiftDbUser(out var c1, out var n1));
        Assert.Equal(kind == "dbname", arn.TryGetRedshiftDbName(out var c2, out var n2));
        Assert.Equal(kind == "dbgroup", arn.TryGetRedshiftDbGroup(out var c3, out var n3));
        Assert.Equal(kind == "cluster", arn.TryGetRedshiftCluster(out var c4));
        Assert.Equal(cluster, c1 ?? c2 ?? c3 ?? c4);
        Assert.Equal(name, n1 ?? n2 ?? n3);
    }

    [Theory]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:prod")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:/adam")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:prod/")]
    [InlineData("arn:aws:redshift:us-east-1:123456789012:dbuser:prod/a/b")]
    [InlineData("arn:aws:redshift::123456789012:dbuser:prod/adam")]
    [InlineData("arn:aws:redshift:us-east-1::dbuser:prod/adam")]
    public void TryGetRedshiftDbUser_Malformed_False(string text) =>
        Assert.False(Arn.Parse(text).TryGetRedshiftDbUser(out _, out _));

    [Theory]
    [InlineData("/", true)]
    [InlineData("/a/", true)]
    [InlineData("/a/b-c_d/", true)]
    [InlineData("", false)]
    [InlineData("a/", false)]
    [InlineData("/a", false)]
    [InlineData("/a b/", false)]
    [InlineData("/é/", false)]
    public void IamPath_IsValid_FollowsModelPattern(string path, bool expected) =>
        Assert.Equal(expected, IamPath.IsValid(path));

    [Fact]
    public void IamPath_Length_LimitIs512()
    {
        Assert.True(IamPath.IsValid("/" + new string('a', 510) + "/"));
        Assert.False(IamPath.IsValid("/" + new string('a', 511) + "/"));
    }

    private static readonly Gen<string> Segment = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 12].Select(a => new string(a));
    private static readonly Gen<string> Resource = Gen.Char["abcXYZ019:/_-.@+=*?"].Array[1, 40].Select(a => new string(a));

    [Fact]
    public void ParseFormat_RandomValidArn_RoundTrips() =>
        Gen.Select(
                Gen.OneOf(Gen.Const(AwsPartitions.Aws), Gen.Const(AwsPartitions.AwsCn), Gen.Const(AwsPartitions.AwsUsGov)),
                Segment,
                Gen.OneOf(Gen.Const(string.Empty), Segment),
                Gen.OneOf(Gen.Const(string.Empty), Gen.Const("aws"), Gen.Long[0, 999_999_999_999].Select(n => n.ToString("D12"))),
                Resource)
            .Sample((partition, service, region, account, resource) =>
            {
                var text = $"arn:{partition}:{service}:{region}:{account}:{resource}";
                Assert.True(Arn.TryParse(text, out var arn, out var error), error);
                Assert.Equal(text, arn.ToString());
                Assert.Equal((partition, service, region, account, resource), (arn.Partition, arn.Service, arn.Region, arn.Account, arn.Resource));
                Assert.Equal(arn, Arn.Parse(arn.ToString()));
            });
}
