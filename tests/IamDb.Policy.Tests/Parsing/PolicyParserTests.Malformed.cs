using IamDb.Policy.Parsing;
using IamDb.Policy.Validation;
using static IamDb.Policy.Tests.PolicyText;
using M = IamDb.Policy.Validation.PolicyErrorMessages;

namespace IamDb.Policy.Tests.Parsing;

/// <summary>The validation corpus: malformed documents, each with IAM's message, IamDb's detail, the path and (via §) the position.</summary>
public partial class PolicyParserTests
{
    private const string Allow = "'Effect':'Allow','Action':'redshift:GetClusterCredentials','Resource':'*'";

    private sealed record Malformed(string Name, PolicyKind Kind, string Json, string Message, string? Detail, string Path, string Code = PolicyErrorCodes.MalformedPolicyDocument);

    private static readonly Malformed[] Corpus =
    [
        // JSON itself.
        new("truncated", PolicyKind.Identity, J("{'Version':"), M.SyntaxErrors, M.InvalidJson, ""),
        new("empty text", PolicyKind.Identity, "", M.SyntaxErrors, M.InvalidJson, ""),
        new("trailing comma", PolicyKind.Identity, J("{'Statement':{" + Allow + ",}}"), M.SyntaxErrors, M.InvalidJson, ""),
        new("comment", PolicyKind.Identity, J("{/* c */'Statement':{" + Allow + "}}"), M.SyntaxErrors, M.InvalidJson, ""),
        new("two root values", PolicyKind.Identity, J("{'Statement':{" + Allow + "}} {}"), M.SyntaxErrors, M.InvalidJson, ""),
        new("root is an array", PolicyKind.Identity, "§[]", M.SyntaxErrors, M.RootNotObject, ""),
        new("duplicate Version", PolicyKind.Identity, J("{'Version':'2012-10-17',§'Version':'2012-10-17','Statement':{" + Allow + "}}"),
            M.SyntaxErrors, M.DuplicateKey("Version"), "Version"),
        new("duplicate Action", PolicyKind.Identity, Doc(Allow + ",§'Action':'*'"), M.SyntaxErrors, M.DuplicateKey("Action"), "Statement.Action"),
        new("duplicate condition key", PolicyKind.Identity,
            Doc(Allow + ",'Condition':{'StringEquals':{'aws:username':'a',§'aws:username':'b'}}"),
            M.SyntaxErrors, M.DuplicateKey("aws:username"), "Statement.Condition.StringEquals.aws:username"),
        new("character outside the allowed set", PolicyKind.Identity, Doc(Allow + ",'Sid':'§\u4e2d'"), M.CharactersNotAllowed,
            M.CharacterNotAllowed('\u4e2d'), "", PolicyErrorCodes.ValidationError),
        new("lone surrogate escape", PolicyKind.Identity, Doc(Allow + ",'Sid':§'\\ud800'"), M.SyntaxErrors, M.InvalidEscape, "Statement.Sid"),
        new("control character", PolicyKind.Identity, Doc(Allow + ",'Sid':'a§\u0001'"), M.CharactersNotAllowed,
            M.CharacterNotAllowed('\u0001'), "", PolicyErrorCodes.ValidationError),

        // Top level.
        new("unknown top-level element", PolicyKind.Identity, J("{'Version':'2012-10-17',§'Statements':[]}"), M.SyntaxErrors, M.UnknownElement("Statements"), "Statements"),
        new("unsupported Version", PolicyKind.Identity, J("{'Version':§'2012-10-18','Statement':{" + Allow + "}}"),
            M.LegacyParsingFailed, M.UnsupportedVersion("2012-10-18"), "Version"),
        new("Version as a number", PolicyKind.Identity, J("{'Version':§2012,'Statement':{" + Allow + "}}"),
            M.SyntaxErrors, M.WrongType("Version", "a string", "a number"), "Version"),
        new("Id as a number", PolicyKind.Resource, J("{'Id':§7,'Statement':{'Principal':'*'," + Allow + "}}"),
            M.SyntaxErrors, M.WrongType("Id", "a string", "a number"), "Id"),
        new("missing Statement", PolicyKind.Identity, J("§{'Version':'2012-10-17'}"), M.MissingRequiredField("Statement"), null, ""),
        new("empty Statement array", PolicyKind.Identity, J("{'Statement':§[]}"), M.SyntaxErrors, M.StatementEmpty, "Statement"),
        new("Statement as a string", PolicyKind.Identity, J("{'Statement':§'x'}"), M.SyntaxErrors,
            M.WrongType("Statement", "an object or an array of objects", "a string"), "Statement"),
        new("statement that is not an object", PolicyKind.Identity, J("{'Statement':[{" + Allow + "},§3]}"), M.SyntaxErrors,
            M.WrongType("Statement", "an object", "a number"), "Statement[1]"),

        // Statement elements.
        new("unknown statement element", PolicyKind.Identity, Doc(Allow + ",§'Condtion':{}"), M.SyntaxErrors, M.UnknownElement("Condtion"), "Statement.Condtion"),
        new("missing Effect", PolicyKind.Identity, J("{'Statement':[§{'Action':'*','Resource':'*'}]}"), M.MissingRequiredField("Effect"), null, "Statement[0]"),
        new("lower-case Effect", PolicyKind.Identity, Doc("'Effect':§'allow','Action':'*','Resource':'*'"), M.SyntaxErrors,
            M.InvalidEffect("allow"), "Statement.Effect"),
        new("Effect as a boolean", PolicyKind.Identity, Doc("'Effect':§true,'Action':'*','Resource':'*'"), M.SyntaxErrors,
            M.WrongType("Effect", "a string", "a boolean"), "Statement.Effect"),
        new("missing Action", PolicyKind.Identity, J("{'Statement':§{'Effect':'Allow','Resource':'*'}}"), M.MissingRequiredField("Action"), null, "Statement"),
        new("Action and NotAction", PolicyKind.Identity, Doc(Allow + ",§'NotAction':'iam:*'"), M.SyntaxErrors,
            M.MutuallyExclusive("Action", "NotAction"), "Statement.NotAction"),
        new("empty Action array", PolicyKind.Identity, Doc("'Effect':'Allow','Action':§[],'Resource':'*'"), M.MustContainActions,
            M.EmptyArray("Action"), "Statement.Action"),
        new("Action as an object", PolicyKind.Identity, Doc("'Effect':'Allow','Action':§{},'Resource':'*'"), M.SyntaxErrors,
            M.WrongType("Action", "a string or an array of strings", "an object"), "Statement.Action"),
        new("number inside Action array", PolicyKind.Identity, Doc("'Effect':'Allow','Action':['iam:GetUser',§5],'Resource':'*'"), M.SyntaxErrors,
            M.WrongType("Action", "a string or an array of strings", "an array holding a number"), "Statement.Action[1]"),
        new("action without vendor", PolicyKind.Identity, Doc("'Effect':'Allow','Action':§'GetClusterCredentials','Resource':'*'"),
            M.ActionsMustHaveVendor, M.ActionWithoutVendor, "Statement.Action"),
        new("wildcard in action vendor", PolicyKind.Identity, Doc("'Effect':'Allow','Action':['iam:GetUser',§'red*:Get*'],'Resource':'*'"),
            M.ActionsMustHaveVendor, M.InvalidVendor("red*:Get*"), "Statement.Action[1]"),
        new("NotAction empty array", PolicyKind.Identity, Doc("'Effect':'Deny','NotAction':§[],'Resource':'*'"), M.MustContainActions,
            M.EmptyArray("NotAction"), "Statement.NotAction"),
        new("missing Resource", PolicyKind.Identity, J("{'Statement':§{'Effect':'Allow','Action':'*'}}"), M.MustContainResources,
            M.ElementRequiredForKind("Resource", "managed identity"), "Statement"),
        new("Resource and NotResource", PolicyKind.Identity, Doc(Allow + ",§'NotResource':'*'"), M.SyntaxErrors,
            M.MutuallyExclusive("Resource", "NotResource"), "Statement.NotResource"),
        new("empty Resource array", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':§[]"), M.MustContainResources,
            M.EmptyArray("Resource"), "Statement.Resource"),
        new("resource that is not an ARN", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':§'cluster/prod'"),
            M.ResourceNotArn("cluster/prod"), null, "Statement.Resource"),
        new("ARN with too few parts", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':['*',§'arn:aws:redshift:us-east-1']"),
            M.ResourceNotArn("arn:aws:redshift:us-east-1"), M.ResourceTooFewParts, "Statement.Resource[1]"),
        new("wildcard in ARN service", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':§'arn:aws:red*:us-east-1:123456789012:cluster:x'"),
            M.ResourceVendorNotQualified, null, "Statement.Resource"),
        new("empty ARN service", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':§'arn:aws::us-east-1:123456789012:x'"),
            M.ResourceVendorNotQualified, null, "Statement.Resource"),
        new("unknown partition", PolicyKind.Identity, Doc("'Effect':'Allow','Action':'*','Resource':§'arn:amazon:s3:::bucket'"),
            M.PartitionNotValid("amazon", "arn:amazon:s3:::bucket"), null, "Statement.Resource"),
        new("Sid with a space", PolicyKind.Identity, Doc(Allow + ",'Sid':§'Allow creds'"), M.SidNotAlphanumeric, M.SidCharacters("Allow creds"), "Statement.Sid"),
        new("Sid with a hyphen in a trust policy", PolicyKind.Trust,
            Doc("'Sid':§'a-b','Effect':'Allow','Principal':{'Service':'ec2.amazonaws.com'},'Action':'sts:AssumeRole'"),
            M.SidNotAlphanumeric, M.SidCharacters("a-b"), "Statement.Sid"),
        new("repeated Sid", PolicyKind.Identity, J("{'Statement':[{'Sid':'A'," + Allow + "},{'Sid':§'A'," + Allow + "}]}"),
            M.SidNotUnique, M.SidRepeated("A"), "Statement[1].Sid"),
        new("Sid as a number", PolicyKind.Identity, Doc(Allow + ",'Sid':§1"), M.SyntaxErrors, M.WrongType("Sid", "a string", "a number"), "Statement.Sid"),

        // Principal and the policy kinds.
        new("Principal in a managed policy", PolicyKind.Identity, Doc(Allow + ",§'Principal':'*'"), M.ShouldNotSpecifyPrincipal,
            M.ElementNotAllowedForKind("Principal", "managed identity"), "Statement.Principal"),
        new("NotPrincipal in a user inline policy", PolicyKind.InlineUser, Doc(Allow + ",§'NotPrincipal':{'AWS':'123456789012'}"),
            M.ShouldNotSpecifyPrincipal, M.ElementNotAllowedForKind("NotPrincipal", "user inline"), "Statement.NotPrincipal"),
        new("Principal in a session policy", PolicyKind.Session, Doc(Allow + ",§'Principal':'*'"), M.ShouldNotSpecifyPrincipal,
            M.ElementNotAllowedForKind("Principal", "session"), "Statement.Principal"),
        new("Principal in a guardrail", PolicyKind.Guardrail, Doc(Allow + ",§'Principal':'*'"), M.ShouldNotSpecifyPrincipal,
            M.ElementNotAllowedForKind("Principal", "guardrail"), "Statement.Principal"),
        new("Principal in a permissions boundary", PolicyKind.PermissionsBoundary, Doc(Allow + ",§'Principal':'*'"), M.ShouldNotSpecifyPrincipal,
            M.ElementNotAllowedForKind("Principal", "permissions boundary"), "Statement.Principal"),
        new("Resource in a trust policy", PolicyKind.Trust,
            Doc("'Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':'sts:AssumeRole',§'Resource':'*'"),
            M.ProhibitedField("Resource"), M.ElementNotAllowedForKind("Resource", "role trust"), "Statement.Resource"),
        new("NotResource in a trust policy", PolicyKind.Trust,
            Doc("'Effect':'Allow','Principal':{'AWS':'123456789012'},'Action':'sts:AssumeRole',§'NotResource':'*'"),
            M.ProhibitedField("NotResource"), M.ElementNotAllowedForKind("NotResource", "role trust"), "Statement.NotResource"),
        new("trust policy without Principal", PolicyKind.Trust, J("{'Statement':§{'Effect':'Allow','Action':'sts:AssumeRole'}}"),
            M.MissingRequiredField("Principal"), M.ElementRequiredForKind("Principal", "role trust"), "Statement"),
        new("NotPrincipal in a trust policy", PolicyKind.Trust,
            Doc("'Effect':'Deny',§'NotPrincipal':{'AWS':'123456789012'},'Action':'sts:AssumeRole'"),
            M.ProhibitedField("NotPrincipal"), M.ElementNotAllowedForKind("NotPrincipal", "role trust"), "Statement.NotPrincipal"),
        new("resource policy without Principal", PolicyKind.Resource, J("{'Statement':§{" + Allow + "}}"),
            M.MissingRequiredField("Principal"), M.ElementRequiredForKind("Principal", "resource-based"), "Statement"),
        new("Principal and NotPrincipal", PolicyKind.Resource, Doc(Allow + ",'Principal':'*',§'NotPrincipal':'*'"), M.SyntaxErrors,
            M.MutuallyExclusive("Principal", "NotPrincipal"), "Statement.NotPrincipal"),
        new("Principal as a plain string", PolicyKind.Resource, Doc(Allow + ",'Principal':§'alice'"), M.SyntaxErrors,
            M.WrongType("Principal", "`*` or an object", "`alice`"), "Statement.Principal"),
        new("unknown principal type", PolicyKind.Resource, Doc(Allow + ",'Principal':{§'User':'alice'}"), M.SyntaxErrors,
            M.UnknownPrincipalType("User"), "Statement.Principal.User"),
        new("wildcard inside an AWS principal ARN", PolicyKind.Resource, Doc(Allow + ",'Principal':{'AWS':§'arn:aws:iam::123456789012:user/*'}"),
            M.InvalidPrincipal("AWS", "arn:aws:iam::123456789012:user/*"), M.InvalidAwsPrincipal("arn:aws:iam::123456789012:user/*"), "Statement.Principal.AWS"),
        new("AWS principal that is no account or ARN", PolicyKind.Trust,
            Doc("'Effect':'Allow','Principal':{'AWS':['123456789012',§'alice']},'Action':'sts:AssumeRole'"),
            M.InvalidPrincipal("AWS", "alice"), M.InvalidAwsPrincipal("alice"), "Statement.Principal.AWS[1]"),
        new("empty principal map", PolicyKind.Resource, Doc(Allow + ",'Principal':§{}"), M.SyntaxErrors, M.PrincipalMapEmpty, "Statement.Principal"),
        new("empty principal array", PolicyKind.Resource, Doc(Allow + ",'Principal':{'Service':§[]}"), M.SyntaxErrors, M.EmptyArray("Service"),
            "Statement.Principal.Service"),

        // Conditions.
        new("unknown condition operator", PolicyKind.Identity, Doc(Allow + ",'Condition':{§'StringEqual':{'aws:username':'a'}}"),
            M.InvalidConditionType("StringEqual"), M.UnknownConditionOperator("StringEqual"), "Statement.Condition.StringEqual"),
        new("operator in the wrong case", PolicyKind.Identity, Doc(Allow + ",'Condition':{§'stringequals':{'aws:username':'a'}}"),
            M.InvalidConditionType("stringequals"), M.UnknownConditionOperator("stringequals"), "Statement.Condition.stringequals"),
        new("Null with IfExists", PolicyKind.Identity, Doc(Allow + ",'Condition':{§'NullIfExists':{'aws:username':'true'}}"),
            M.InvalidConditionType("NullIfExists"), M.NullCannotTakeIfExists("NullIfExists"), "Statement.Condition.NullIfExists"),
        new("unknown set qualifier", PolicyKind.Identity, Doc(Allow + ",'Condition':{§'ForSomeValues:StringLike':{'aws:TagKeys':'a'}}"),
            M.InvalidConditionType("ForSomeValues:StringLike"), M.UnknownConditionOperator("ForSomeValues:StringLike"), "Statement.Condition.ForSomeValues:StringLike"),
        new("condition key without vendor", PolicyKind.Identity, Doc(Allow + ",'Condition':{'StringEquals':{§'username':'a'}}"),
            M.ActionsMustHaveVendor, M.ConditionKeyWithoutVendor, "Statement.Condition.StringEquals.username"),
        new("null condition value", PolicyKind.Identity, Doc(Allow + ",'Condition':{'StringEquals':{'aws:username':§null}}"), M.SyntaxErrors,
            M.WrongType("aws:username", "a string, number, boolean or an array of them", "null"), "Statement.Condition.StringEquals.aws:username"),
        new("empty condition value array", PolicyKind.Identity, Doc(Allow + ",'Condition':{'StringEquals':{'aws:username':§[]}}"), M.SyntaxErrors,
            M.EmptyArray("aws:username"), "Statement.Condition.StringEquals.aws:username"),
        new("object inside condition values", PolicyKind.Identity, Doc(Allow + ",'Condition':{'StringEquals':{'aws:username':['a',§{}]}}"), M.SyntaxErrors,
            M.WrongType("aws:username", "a string, number, boolean or an array of them", "an array holding an object"),
            "Statement.Condition.StringEquals.aws:username[1]"),
        new("Condition as an array", PolicyKind.Identity, Doc(Allow + ",'Condition':§[]"), M.SyntaxErrors,
            M.WrongType("Condition", "an object", "an array"), "Statement.Condition"),
        new("operator block as a string", PolicyKind.Identity, Doc(Allow + ",'Condition':{'Bool':§'true'}"), M.SyntaxErrors,
            M.WrongType("Bool", "an object of condition keys", "a string"), "Statement.Condition.Bool"),

        // Positions across lines.
        new("error on a later line", PolicyKind.Identity,
            J("{\n  'Version': '2012-10-17',\n  'Statement': [\n    {\n      'Effect': 'Allow',\n      'Action': §'GetUser',\n      'Resource': '*'\n    }\n  ]\n}"),
            M.ActionsMustHaveVendor, M.ActionWithoutVendor, "Statement[0].Action"),
        new("error after a multi-byte character", PolicyKind.Identity,
            J("{'Id':'caf\u00e9','Statement':{'Effect':'Allow','Action':§'GetUser','Resource':'*'}}"),
            M.ActionsMustHaveVendor, M.ActionWithoutVendor, "Statement.Action"),
    ];

    public static TheoryData<string> MalformedNames => [.. Corpus.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void Parse_MalformedDocument_ReportsIamMessagePathAndPosition(string name)
    {
        var row = Corpus.Single(c => c.Name == name);
        var (json, line, column) = TakeMarker(row.Json);

        var result = PolicyParser.Parse(json, row.Kind);

        Assert.False(result.IsValid);
        Assert.Null(result.Document);
        var error = Assert.Single(result.Errors, e => e.Message == row.Message && e.Path == row.Path);
        Assert.Equal(row.Code, error.Code);
        if (row.Detail is not null)
        {
            Assert.Equal(row.Detail, error.Detail);
        }

        if (line is not null)
        {
            Assert.Equal(new SourceLocation(line.Value, column!.Value), error.Location);
        }
    }

    [Fact]
    public void Corpus_HasAtLeastFortyMalformedDocuments() => Assert.True(Corpus.Length >= 40, $"only {Corpus.Length} rows");

    [Fact]
    public void Parse_SeveralProblems_ReportsEachInDocumentOrder()
    {
        var json = J("{'Statement':[{'Effect':'allow','Action':'GetUser','Resource':'*'},{'Effect':'Allow','Action':'*','Resource':'bucket'}]}");

        var result = PolicyParser.Parse(json, PolicyKind.Identity);

        Assert.Equal(["Statement[0].Effect", "Statement[0].Action", "Statement[1].Resource"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void FullMessage_ErrorWithPathAndDetail_PutsIamWordsFirst()
    {
        var result = PolicyParser.Parse(Doc("'Effect':'Allow','Action':'GetUser','Resource':'*'"), PolicyKind.Identity);

        var error = Assert.Single(result.Errors);
        Assert.Equal(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (Statement.Action, line 1, column 64): " +
            "an action must look like `service:Action` or be `*`",
            error.FullMessage);
    }

    [Fact]
    public void Parse_InvalidJson_ReportsReaderPosition()
    {
        var result = PolicyParser.Parse("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ }", PolicyKind.Identity);

        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Location?.Line);
    }
}
