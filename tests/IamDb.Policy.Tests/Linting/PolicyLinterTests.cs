using IamDb.Policy.Linting;
using IamDb.Policy.Model;
using IamDb.Policy.Parsing;
using static IamDb.Policy.Tests.PolicyText;

namespace IamDb.Policy.Tests.Linting;

public class PolicyLinterTests
{
    private const string Dbuser = "arn:aws:redshift:us-east-1:123456789012:dbuser:prod/alice";

    /// <summary>A rule, a minimal statement that fires it (with the expected path), and a near miss that must not.</summary>
    private sealed record Rule(
        string Name, string Code, PolicyKind Kind, string Fires, string Path, string NearMiss,
        string? FiresVersion = PolicyDocument.Version2012, string? NearMissVersion = PolicyDocument.Version2012);

    private static readonly Rule[] Rules =
    [
        new("resource star on GetClusterCredentials", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':'*'", "Statement[0].Resource",
            $"'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':'{Dbuser}'"),
        new("every dbuser via wildcards", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':['arn:aws:redshift:us-east-1:123456789012:dbuser:*/*']", "Statement[0].Resource",
            "'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':['arn:aws:redshift:us-east-1:123456789012:dbuser:prod/*']"),
        new("redshift star on every resource", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'redshift:*','Resource':'arn:aws:redshift:*'", "Statement[0].Resource",
            "'Effect':'Allow','Action':'redshift:Describe*','Resource':'arn:aws:redshift:*'"),
        new("star action on star resource", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'*','Resource':'*'", "Statement[0].Resource",
            "'Effect':'Deny','Action':'*','Resource':'*'"),
        new("JoinGroup on every group", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'redshift:JoinGroup','Resource':'arn:aws:redshift:*:*:dbgroup:*'", "Statement[0].Resource",
            "'Effect':'Allow','Action':'redshift:JoinGroup','Resource':'arn:aws:redshift:*:*:dbgroup:prod/readers'"),
        new("AssumeRole on every role", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','Action':'sts:AssumeRole','Resource':'arn:aws:iam::123456789012:role/*'", "Statement[0].Resource",
            "'Effect':'Allow','Action':'sts:AssumeRole','Resource':'arn:aws:iam::123456789012:role/readonly'"),
        new("NotAction that leaves credentials in", "IAMDB-L001", PolicyKind.Identity,
            "'Effect':'Allow','NotAction':'iam:*','Resource':'*'", "Statement[0].Resource",
            "'Effect':'Allow','NotAction':['iam:*','redshift:*','sts:*'],'Resource':'*'"),
        new("unknown action", "IAMDB-L002", PolicyKind.Identity,
            "'Effect':'Allow','Action':'redshift:GetClusterCredential','Resource':'*'", "Statement[0].Action",
            "'Effect':'Allow','Action':'REDSHIFT:getclustercredentials','Resource':'*'"),
        new("unknown IamDb action", "IAMDB-L002", PolicyKind.Identity,
            "'Effect':'Deny','Action':['iamdb:RevokeCredential','iam:GetUser'],'Resource':'*'", "Statement[0].Action[0]",
            "'Effect':'Deny','Action':['iamdb:RevokeCredentials','iam:GetUser'],'Resource':'*'"),
        new("wildcard that matches nothing", "IAMDB-L003", PolicyKind.Identity,
            "'Effect':'Deny','Action':'redshift:GetCredentials*','Resource':'*'", "Statement[0].Action",
            "'Effect':'Deny','Action':'redshift:GetCluster*','Resource':'*'"),
        new("unknown condition key", "IAMDB-L004", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'aws:usename':'a'}}", "Statement[0].Condition.StringEquals.aws:usename",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'aws:PrincipalTag/team':'a','s3:prefix':'x'}}"),
        new("variable in resource without Version", "IAMDB-L005", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'arn:aws:iam::123456789012:user/${aws:username}'", "Statement[0].Resource",
            "'Effect':'Deny','Action':'iam:*','Resource':'arn:aws:iam::123456789012:user/${aws:username}'", FiresVersion: null),
        new("variable in condition under 2008", "IAMDB-L005", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringNotEquals':{'aws:username':'${aws:PrincipalTag/u}'}}",
            "Statement[0].Condition.StringNotEquals.aws:username",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringNotEquals':{'aws:username':'${aws:PrincipalTag/u}'}}", FiresVersion: PolicyDocument.Version2008),
        new("NotAction star", "IAMDB-L006", PolicyKind.Identity,
            "'Effect':'Deny','NotAction':'*','Resource':'*'", "Statement[0].NotAction",
            "'Effect':'Deny','NotAction':'iam:*','Resource':'*'"),
        new("resource of another service", "IAMDB-L007", PolicyKind.Identity,
            "'Effect':'Deny','Action':'redshift:GetClusterCredentials','Resource':'arn:aws:s3:::bucket'", "Statement[0].Resource",
            "'Effect':'Deny','Action':'sts:AssumeRole','Resource':'arn:aws:iam::123456789012:role/r'"),
        new("disjoint equalities", "IAMDB-L008", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'aws:username':'alice'},'StringEqualsIfExists':{'aws:username':'bob'}}",
            "Statement[0].Condition.StringEqualsIfExists.aws:username",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'aws:username':'alice'},'StringEqualsIfExists':{'aws:username':['bob','alice']}}"),
        new("equality excluded by its negation", "IAMDB-L008", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'redshift:DbUser':'a'},'StringNotEquals':{'redshift:DbUser':['a','b']}}",
            "Statement[0].Condition.StringNotEquals.redshift:DbUser",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'redshift:DbUser':['a','c']},'StringNotEquals':{'redshift:DbUser':['a','b']}}"),
        new("Null true with a value test", "IAMDB-L009", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'Null':{'aws:username':'true'},'StringLike':{'aws:username':'a*'}}",
            "Statement[0].Condition.StringLike.aws:username",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'Null':{'aws:username':'true'},'StringNotLike':{'aws:username':'a*'}}"),
        new("date range that is empty", "IAMDB-L010", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'DateLessThan':{'aws:CurrentTime':'2024-01-01T00:00:00Z'},'DateGreaterThan':{'aws:CurrentTime':'2025-01-01T00:00:00Z'}}",
            "Statement[0].Condition.DateGreaterThan.aws:CurrentTime",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'DateLessThan':{'aws:CurrentTime':'2026-01-01T00:00:00Z'},'DateGreaterThan':{'aws:CurrentTime':'2025-01-01T00:00:00Z'}}"),
        new("numeric range that is empty", "IAMDB-L010", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'NumericLessThan':{'redshift:DurationSeconds':900},'NumericGreaterThan':{'redshift:DurationSeconds':900}}",
            "Statement[0].Condition.NumericGreaterThan.redshift:DurationSeconds",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'NumericLessThanEquals':{'redshift:DurationSeconds':900},'NumericGreaterThanEquals':{'redshift:DurationSeconds':900}}"),
        new("NotAction with Allow", "IAMDB-L011", PolicyKind.Identity,
            "'Effect':'Allow','NotAction':'iam:*','Resource':'*'", "Statement[0].NotAction",
            "'Effect':'Deny','NotAction':'iam:*','Resource':'*'"),
        new("NotResource with Allow", "IAMDB-L012", PolicyKind.Identity,
            "'Effect':'Allow','Action':'iam:GetUser','NotResource':'arn:aws:iam::123456789012:user/root'", "Statement[0].NotResource",
            "'Effect':'Deny','Action':'iam:GetUser','NotResource':'arn:aws:iam::123456789012:user/root'"),
        new("public principal without condition", "IAMDB-L013", PolicyKind.Resource,
            "'Effect':'Allow','Principal':{'AWS':'*'},'Action':'redshift:DescribeClusters','Resource':'*'", "Statement[0].Principal",
            "'Effect':'Allow','Principal':{'AWS':'*'},'Action':'redshift:DescribeClusters','Resource':'*','Condition':{'StringEquals':{'aws:PrincipalOrgID':'o-1'}}"),
        new("public trust policy", "IAMDB-L013", PolicyKind.Trust,
            "'Effect':'Allow','Principal':'*','Action':'sts:AssumeRole'", "Statement[0].Principal",
            "'Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':'sts:AssumeRole'"),
        new("set operator on a single-valued key", "IAMDB-L014", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'ForAllValues:StringEquals':{'aws:username':'a'}}",
            "Statement[0].Condition.ForAllValues:StringEquals.aws:username",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'ForAllValues:StringEquals':{'aws:TagKeys':'a'}}"),
        new("multivalued key without set operator", "IAMDB-L015", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'StringEquals':{'aws:TagKeys':'a'}}", "Statement[0].Condition.StringEquals.aws:TagKeys",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'ForAnyValue:StringEquals':{'aws:TagKeys':'a'},'Null':{'aws:TagKeys':'false'}}"),
        new("numeric operator on a string key", "IAMDB-L016", PolicyKind.Identity,
            "'Effect':'Deny','Action':'redshift:*','Resource':'*','Condition':{'NumericEquals':{'redshift:DbUser':'1'}}",
            "Statement[0].Condition.NumericEquals.redshift:DbUser",
            "'Effect':'Deny','Action':'redshift:*','Resource':'*','Condition':{'NumericEquals':{'redshift:DurationSeconds':'900'}}"),
        new("date operator on a string key", "IAMDB-L016", PolicyKind.Identity,
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'DateGreaterThan':{'aws:username':'2024-01-01'}}",
            "Statement[0].Condition.DateGreaterThan.aws:username",
            "'Effect':'Deny','Action':'iam:*','Resource':'*','Condition':{'DateGreaterThan':{'aws:TokenIssueTime':'2024-01-01'}}"),
        new("NotPrincipal with Allow", "IAMDB-L018", PolicyKind.Resource,
            "'Effect':'Allow','NotPrincipal':{'AWS':'123456789012'},'Action':'redshift:DescribeClusters','Resource':'*'", "Statement[0].NotPrincipal",
            "'Effect':'Deny','NotPrincipal':{'AWS':'123456789012'},'Action':'redshift:DescribeClusters','Resource':'*'"),
    ];

    public static TheoryData<string> RuleNames => [.. Rules.Select(r => r.Name)];

    private static IReadOnlyList<LintFinding> LintStatement(string members, PolicyKind kind, string? version)
    {
        var versionMember = version is null ? "" : $"'Version':'{version}',";
        var result = PolicyParser.Parse(J($"{{{versionMember}'Statement':{{{members}}}}}"), kind);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return PolicyLinter.Lint(result.Document!, kind);
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Lint_MinimalExample_FiresRuleAtPath(string name)
    {
        var rule = Rules.Single(r => r.Name == name);
        var findings = LintStatement(rule.Fires, rule.Kind, rule.FiresVersion);

        // Lint paths follow the canonical form: statements always indexed, a lone value without an index.
        var finding = Assert.Single(findings, f => f.Code == rule.Code && f.Path == rule.Path);
        Assert.False(string.IsNullOrWhiteSpace(finding.Message));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Lint_NearMiss_DoesNotFireRule(string name)
    {
        var rule = Rules.Single(r => r.Name == name);
        var findings = LintStatement(rule.NearMiss, rule.Kind, rule.NearMissVersion);

        Assert.DoesNotContain(findings, f => f.Code == rule.Code);
    }

    [Fact]
    public void Lint_IdInIdentityPolicy_IsInfo()
    {
        var document = PolicyParser.Parse(J("{'Id':'x','Statement':{'Effect':'Deny','Action':'iam:*','Resource':'*'}}"), PolicyKind.Identity).Document!;

        var finding = Assert.Single(PolicyLinter.Lint(document, PolicyKind.Identity));

        Assert.Equal(("IAMDB-L017", LintSeverity.Info, "Id"), (finding.Code, finding.Severity, finding.Path));
        Assert.Empty(PolicyLinter.Lint(document with { Statements = document.Statements }, PolicyKind.Resource));
    }

    [Fact]
    public void Lint_DocumentedLeastPrivilegePolicy_HasNoFindings()
    {
        // The Amazon Redshift Management Guide's "only your own DB user" policy for GetClusterCredentials.
        var json = J("""
            {'Version':'2012-10-17','Statement':[
             {'Sid':'GetClusterCredsStatement','Effect':'Allow','Action':['redshift:GetClusterCredentials'],
              'Resource':['arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${redshift:DbUser}',
                          'arn:aws:redshift:us-west-2:123456789012:dbname:examplecluster/testdb',
                          'arn:aws:redshift:us-west-2:123456789012:dbgroup:examplecluster/common_group'],
              'Condition':{'StringEquals':{'aws:userid':'AIDIODR4TAW7CSEXAMPLE:${redshift:DbUser}@yourdomain.com'}}},
             {'Sid':'CreateClusterUserStatement','Effect':'Allow','Action':['redshift:CreateClusterUser'],
              'Resource':['arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${redshift:DbUser}'],
              'Condition':{'StringEquals':{'aws:userid':'AIDIODR4TAW7CSEXAMPLE:${redshift:DbUser}@yourdomain.com'}}},
             {'Sid':'RedshiftJoinGroupStatement','Effect':'Allow','Action':['redshift:JoinGroup'],
              'Resource':['arn:aws:redshift:us-west-2:123456789012:dbgroup:examplecluster/common_group']}]}
            """);

        var document = PolicyParser.Parse(json, PolicyKind.Identity).Document!;

        Assert.Empty(PolicyLinter.Lint(document, PolicyKind.Identity));
    }

    [Fact]
    public void Lint_DocumentedRulesTable_ListsEveryCode()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "policy-lint.md"));
        var codes = typeof(LintCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToList();

        Assert.Equal(18, codes.Count);
        Assert.All(codes, code => Assert.Contains($"| `{code}` |", doc, StringComparison.Ordinal));
    }

    [Fact]
    public void Lint_EveryCode_HasAFiringExampleInTheTable()
    {
        var tested = Rules.Select(r => r.Code).Append("IAMDB-L017").ToHashSet();
        var codes = typeof(LintCodes).GetFields().Select(f => (string)f.GetValue(null)!);

        Assert.All(codes, code => Assert.Contains(code, tested));
    }

    [Fact]
    public void Lint_HandBuiltDocumentWithUnknownOperator_SkipsIt()
    {
        var document = new PolicyDocument(PolicyDocument.Version2012, null, [
            new PolicyStatement(null, PolicyEffect.Deny, new ActionElement(false, ["iam:GetUser"]), new ResourceElement(false, ["*"]), null,
                [new ConditionEntry("StringEqualz", "aws:username", ["a"])]),
        ]);

        Assert.Empty(PolicyLinter.Lint(document, PolicyKind.Identity));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IamDb.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
