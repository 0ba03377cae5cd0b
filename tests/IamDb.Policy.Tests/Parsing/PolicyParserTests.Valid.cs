using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using static IamDb.Policy.Tests.PolicyText;

namespace IamDb.Policy.Tests.Parsing;

/// <summary>Valid documents in their many shapes parse to the expected model.</summary>
public partial class PolicyParserTests
{
    private static PolicyDocument ParseValid(string json, PolicyKind kind = PolicyKind.Identity)
    {
        var result = PolicyParser.Parse(json, kind);
        Assert.True(result.IsValid, string.Join("\n", result.Errors.Select(e => e.ToString())));
        Assert.Empty(result.Errors);
        return result.Document!;
    }

    [Fact]
    public void Parse_SingleStatementObject_BecomesOneStatementList()
    {
        var document = ParseValid(J("""
            {'Version':'2012-10-17','Statement':{'Sid':'Creds','Effect':'Allow','Action':'redshift:GetClusterCredentials',
             'Resource':'arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/temp_creds_user'}}
            """));

        Assert.Equal("2012-10-17", document.Version);
        Assert.Null(document.Id);
        var statement = Assert.Single(document.Statements);
        Assert.Equal("Creds", statement.Sid);
        Assert.Equal(PolicyEffect.Allow, statement.Effect);
        Assert.False(statement.Action.IsNot);
        Assert.Equal(["redshift:GetClusterCredentials"], statement.Action.Values);
        Assert.Equal(["arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/temp_creds_user"], statement.Resource!.Values);
        Assert.Null(statement.Principal);
        Assert.Empty(statement.Conditions);
    }

    [Fact]
    public void Parse_StatementArray_KeepsOrderAndNotElements()
    {
        var document = ParseValid(J("""
            {'Statement':[
              {'Effect':'Allow','Action':['redshift:GetClusterCredentials','redshift:JoinGroup'],'Resource':['arn:aws:redshift:*:123456789012:dbuser:c/u','arn:aws:redshift:*']},
              {'Effect':'Deny','NotAction':'iam:*','NotResource':'*'}]}
            """));

        Assert.Null(document.Version);
        Assert.False(document.SupportsPolicyVariables);
        Assert.Equal(2, document.Statements.Count);
        Assert.Equal(["redshift:GetClusterCredentials", "redshift:JoinGroup"], document.Statements[0].Action.Values);
        Assert.Equal(2, document.Statements[0].Resource!.Values.Count);
        var deny = document.Statements[1];
        Assert.Equal(PolicyEffect.Deny, deny.Effect);
        Assert.True(deny.Action.IsNot);
        Assert.True(deny.Resource!.IsNot);
    }

    [Fact]
    public void Parse_LegacyVersionAndId_AreKept()
    {
        var document = ParseValid(J("{'Version':'2008-10-17','Id':'my-policy','Statement':{'Effect':'Allow','Action':'*','Resource':'*'}}"));

        Assert.Equal(PolicyDocument.Version2008, document.Version);
        Assert.Equal("my-policy", document.Id);
    }

    [Fact]
    public void Parse_NumbersAndBooleansInConditions_BecomeTheirText()
    {
        var document = ParseValid(Doc("""
            'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':'*',
            'Condition':{'NumericLessThanEquals':{'redshift:DurationSeconds':3600,'aws:MultiFactorAuthAge':[1.50,-2e3]},
                         'Bool':{'aws:SecureTransport':true,'aws:MultiFactorAuthPresent':[false,'true']}}
            """));

        var conditions = document.Statements[0].Conditions;
        Assert.Equal(4, conditions.Count);
        Assert.Equal(new ConditionEntry("NumericLessThanEquals", "redshift:DurationSeconds", ["3600"]).Key, conditions[0].Key);
        Assert.Equal(["3600"], conditions[0].Values);
        Assert.Equal(["1.50", "-2e3"], conditions[1].Values);
        Assert.Equal("Bool", conditions[2].Operator);
        Assert.Equal(["true"], conditions[2].Values);
        Assert.Equal(["false", "true"], conditions[3].Values);
    }

    [Theory]
    [InlineData("ForAnyValue:StringLike")]
    [InlineData("ForAllValues:StringEquals")]
    [InlineData("StringEqualsIfExists")]
    [InlineData("ForAnyValue:StringNotEqualsIgnoreCaseIfExists")]
    [InlineData("ArnNotLike")]
    [InlineData("NotIpAddress")]
    [InlineData("DateGreaterThanEquals")]
    [InlineData("BinaryEquals")]
    [InlineData("Null")]
    public void Parse_ConditionOperatorForms_AreAccepted(string op)
    {
        var document = ParseValid(Doc($"'Effect':'Allow','Action':'*','Resource':'*','Condition':{{'{op}':{{'aws:TagKeys':'x'}}}}"));

        Assert.Equal(op, document.Statements[0].Conditions[0].Operator);
    }

    [Fact]
    public void Parse_PrincipalForms_AreMappedInDocumentOrder()
    {
        var document = ParseValid(J("""
            {'Version':'2012-10-17','Id':'cluster-policy','Statement':[
              {'Effect':'Allow','Principal':'*','Action':'redshift:DescribeClusters','Resource':'*','Condition':{'Bool':{'aws:SecureTransport':'true'}}},
              {'Effect':'Allow','Principal':{'AWS':'123456789012','Service':['redshift.amazonaws.com','ec2.amazonaws.com'],
                 'Federated':'cognito-identity.amazonaws.com','CanonicalUser':'79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be'},
               'Action':'redshift:DescribeClusters','Resource':'*'},
              {'Effect':'Deny','NotPrincipal':{'AWS':['arn:aws:iam::123456789012:root','arn:aws:sts::123456789012:assumed-role/admin/alice']},
               'Action':'*','Resource':'*'}]}
            """), PolicyKind.Resource);

        var wildcard = document.Statements[0].Principal!;
        Assert.True(wildcard.IsWildcard);
        Assert.Empty(wildcard.Values);
        var map = document.Statements[1].Principal!;
        Assert.False(map.IsWildcard);
        Assert.Equal(["AWS", "Service", "Federated", "CanonicalUser"], map.Values.Select(p => p.Key));
        Assert.Equal(["redshift.amazonaws.com", "ec2.amazonaws.com"], map.Values[1].Value);
        var not = document.Statements[2].Principal!;
        Assert.True(not.IsNot);
        Assert.Equal(2, not.Values[0].Value.Count);
    }

    [Fact]
    public void Parse_TrustPolicy_HasNoResource()
    {
        var document = ParseValid(Doc("""
            'Effect':'Allow','Principal':{'AWS':'arn:aws:iam::123456789012:user/alice'},'Action':['sts:AssumeRole','sts:TagSession'],
            'Condition':{'StringEquals':{'sts:ExternalId':'abc'}}
            """), PolicyKind.Trust);

        Assert.Null(document.Statements[0].Resource);
        Assert.Equal("AWS", document.Statements[0].Principal!.Values[0].Key);
    }

    [Theory]
    [InlineData("arn:aws:redshift:*")]
    [InlineData("arn:*:redshift:*:*:dbuser:*/*")]
    [InlineData("arn:aws:s3:::bucket/*/test/*")]
    [InlineData("arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${redshift:DbUser}")]
    [InlineData("arn:aws-cn:iam::123456789012:role/a:b:c")]
    [InlineData("arn:aws:s3:::")]
    public void Parse_ResourceArnForms_AreAccepted(string arn)
    {
        var document = ParseValid(Doc($"'Effect':'Allow','Action':'*','Resource':'{arn}'"));

        Assert.Equal([arn], document.Statements[0].Resource!.Values);
    }

    [Fact]
    public void Parse_EscapedCharactersOutsideLatin1_AreAccepted()
    {
        var document = ParseValid(Doc("'Effect':'Allow','Action':'*','Resource':'*','Condition':{'StringEquals':{'aws:PrincipalTag/team':'\\u4e2d\\u6587 caf\u00e9'}}"));

        Assert.Equal(["\u4e2d\u6587 caf\u00e9"], document.Statements[0].Conditions[0].Values);
    }

    [Fact]
    public void Parse_SidWithSpacesInResourcePolicy_IsAccepted()
    {
        var document = ParseValid(Doc("'Sid':'Allow reads','Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':'*','Resource':'*'"), PolicyKind.Resource);

        Assert.Equal("Allow reads", document.Statements[0].Sid);
    }

    [Fact]
    public void Parse_EmptyConditionBlock_MeansNoConditions()
    {
        var document = ParseValid(Doc("'Effect':'Allow','Action':'*','Resource':'*','Condition':{}"));

        Assert.Empty(document.Statements[0].Conditions);
    }

    [Fact]
    public void Parse_ActionNamesInAnyCase_AreKeptAsWritten()
    {
        var document = ParseValid(Doc("'Effect':'Allow','Action':'IAM:listaccesskeys','Resource':'*'"));

        Assert.Equal(["IAM:listaccesskeys"], document.Statements[0].Action.Values);
    }

    [Fact]
    public void Parse_ValidDocument_ReportsStatementSpans()
    {
        var result = PolicyParser.Parse(J("{'Statement':[\n  {'Effect':'Allow','Action':'*','Resource':'*'},\n  {'Effect':'Deny','Action':'*','Resource':'*'}\n]}"), PolicyKind.Identity);

        Assert.Equal(2, result.StatementSpans.Count);
        Assert.Equal(new SourceLocation(2, 3), result.StatementSpans[0].Start);
        Assert.Equal(new SourceLocation(2, 49), result.StatementSpans[0].End); // just past the closing brace
        Assert.Equal(new SourceLocation(3, 3), result.StatementSpans[1].Start);
    }

    [Fact]
    public void Parse_EveryPolicyKind_AcceptsItsMinimalShape()
    {
        foreach (var kind in Enum.GetValues<PolicyKind>())
        {
            var json = kind switch
            {
                PolicyKind.Trust => Doc("'Effect':'Allow','Principal':{'Service':'ec2.amazonaws.com'},'Action':'sts:AssumeRole'"),
                PolicyKind.Resource => Doc("'Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':'redshift:*','Resource':'*'"),
                _ => Doc("'Effect':'Allow','Action':'redshift:*','Resource':'*'"),
            };

            Assert.True(PolicyParser.Parse(json, kind).IsValid, kind.ToString());
        }
    }

    [Fact]
    public void Parse_LongOneLineDocument_ReportsPositionsFarAlongTheLine()
    {
        var resources = string.Join(",", Enumerable.Range(0, 3000).Select(i => $"'arn:aws:redshift:us-east-1:123456789012:dbuser:c/u{i}'"));
        var json = Doc($"'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':[{resources},§'bad']");
        var (text, _, column) = TakeMarker(json);

        var result = PolicyParser.Parse(text, PolicyKind.Identity);

        var error = Assert.Single(result.Errors);
        Assert.Equal(new SourceLocation(1, column!.Value), error.Location);
        Assert.Equal("Statement.Resource[3000]", error.Path);
    }
}
