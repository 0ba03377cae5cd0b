namespace IamDb.Broker.Tests.Actions.Iam;

public sealed class InlinePolicyHandlerTests : IamHandlerTestBase
{
    public static TheoryData<string, string> Principals => new() { { "User", "UserName" }, { "Group", "GroupName" }, { "Role", "RoleName" } };

    private async Task CreatePrincipal(string kind, string name)
    {
        switch (kind)
        {
            case "User": await CreateUser(name); break;
            case "Group": await CreateGroup(name); break;
            default: await CreateRole(name); break;
        }
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task PutGetListDelete_RoundTripsWithUrlEncodedDocument(string kind, string nameParameter)
    {
        await CreatePrincipal(kind, "p1");

        (await Call($"Put{kind}Policy", (nameParameter, "p1"), ("PolicyName", "b"), ("PolicyDocument", AllowS3))).Ok();
        (await Call($"Put{kind}Policy", (nameParameter, "p1"), ("PolicyName", "a"), ("PolicyDocument", AllowEc2))).Ok();
        var got = (await Call($"Get{kind}Policy", (nameParameter, "P1"), ("PolicyName", "B"))).Ok();
        var listed = (await Call($"List{kind}Policies", (nameParameter, "p1"))).Ok();
        (await Call($"Delete{kind}Policy", (nameParameter, "p1"), ("PolicyName", "a"))).Ok();
        var after = (await Call($"List{kind}Policies", (nameParameter, "p1"))).Ok();

        Assert.Contains(
            $"<Get{kind}PolicyResult><{nameParameter}>p1</{nameParameter}><PolicyName>b</PolicyName><PolicyDocument>"
            + "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C"
            + $"%22Resource%22%3A%22%2A%22%7D%5D%7D</PolicyDocument></Get{kind}PolicyResult>",
            got.Xml);
        Assert.Contains("<PolicyNames><member>a</member><member>b</member></PolicyNames><IsTruncated>false</IsTruncated>", listed.Xml);
        Assert.Equal(["b"], after.Values("PolicyNames/member"));
    }

    [Theory]
    [MemberData(nameof(Principals))]
    public async Task Get_Missing_IsNoSuchEntityInAwsWords(string kind, string nameParameter)
    {
        await CreatePrincipal(kind, "p1");

        var message = (await Call($"Get{kind}Policy", (nameParameter, "p1"), ("PolicyName", "nope"))).Fails("NoSuchEntity", 404);

        Assert.Equal($"The {kind.ToLowerInvariant()} policy with name nope cannot be found.", message);
    }

    [Theory]
    [InlineData("User", "UserName", 2048)]
    [InlineData("Group", "GroupName", 5120)]
    [InlineData("Role", "RoleName", 10240)]
    public async Task Put_AggregateOverLimit_IsLimitExceeded(string kind, string nameParameter, int limit)
    {
        await CreatePrincipal(kind, "p1");
        var half = Document(limit / 2);
        (await Call($"Put{kind}Policy", (nameParameter, "p1"), ("PolicyName", "one"), ("PolicyDocument", half))).Ok();
        (await Call($"Put{kind}Policy", (nameParameter, "p1"), ("PolicyName", "one"), ("PolicyDocument", half))).Ok();

        var message = (await Call($"Put{kind}Policy", (nameParameter, "p1"), ("PolicyName", "two"), ("PolicyDocument", Document((limit / 2) + 1))))
            .Fails("LimitExceeded", 409);

        Assert.Equal($"Maximum policy size of {limit} bytes exceeded for {kind.ToLowerInvariant()} p1", message);
        Assert.Equal(["one"], (await Call($"List{kind}Policies", (nameParameter, "p1"))).Values("PolicyNames/member"));
    }

    [Fact]
    public async Task Put_MalformedDocument_IsMalformedPolicyDocument()
    {
        await CreateUser("alice");

        (await Call("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "p"), ("PolicyDocument", """{"Statement":[]}"""))).Fails("MalformedPolicyDocument", 400);
    }

    [Fact]
    public async Task Put_MissingUser_IsNoSuchEntity()
    {
        (await Call("PutUserPolicy", ("UserName", "ghost"), ("PolicyName", "p"), ("PolicyDocument", AllowS3))).Fails("NoSuchEntity", 404);
    }

    /// <summary>A valid identity policy measuring exactly <paramref name="size"/> characters without white space.</summary>
    private static string Document(int size)
    {
        const string Head = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::""";
        const string Tail = "\"}]}";
        var document = Head + new string('b', size - Head.Length - Tail.Length) + Tail;
        Assert.Equal(size, IamDb.Policy.Validation.PolicySizeLimits.Measure(document, IamDb.Policy.Parsing.PolicyKind.InlineUser));
        return document;
    }
}
