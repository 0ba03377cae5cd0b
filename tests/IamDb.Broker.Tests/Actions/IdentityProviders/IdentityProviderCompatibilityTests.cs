using System.Text.Json;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Actions.IdentityProviders;

/// <summary>
/// Identity providers over HTTP with real clients, unchanged except for the endpoint: Debian's aws CLI v2 and boto3
/// register, read, change and delete OIDC and SAML providers, and see AWS's error codes. (These client versions still
/// require ThumbprintList, which today's AWS and the broker accept without.)
/// </summary>
public sealed class IdentityProviderCompatibilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AwsCli_OidcAndSamlProviderLifecycle_ParsesAsAws()
    {
        await using var broker = await TestBroker.StartAsync();
        var cli = broker.Cli();
        var thumbprint = new string('c', 40);
        var oidcArn = $"arn:aws:iam::{broker.AccountId}:oidc-provider/127.0.0.1:8443/issuer";

        var created = (await cli.RunAsync(
            ["iam", "create-open-id-connect-provider", "--url", "https://127.0.0.1:8443/issuer", "--client-id-list", "sts.amazonaws.com",
             "--thumbprint-list", thumbprint, "--tags", "Key=iamdb:map/groups,Value=RedshiftDbGroups"], Ct)).Json();
        Assert.Equal(oidcArn, created.GetProperty("OpenIDConnectProviderArn").GetString());

        (await cli.RunAsync(["iam", "add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn", oidcArn, "--client-id", "iamdb"], Ct)).Json();
        (await cli.RunAsync(["iam", "update-open-id-connect-provider-thumbprint", "--open-id-connect-provider-arn", oidcArn,
            "--thumbprint-list", new string('d', 40)], Ct)).Json();
        var got = (await cli.RunAsync(["iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", oidcArn], Ct)).Json();
        Assert.Equal("127.0.0.1:8443/issuer", got.GetProperty("Url").GetString());
        Assert.Equal(["sts.amazonaws.com", "iamdb"], got.GetProperty("ClientIDList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([new string('d', 40)], got.GetProperty("ThumbprintList").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("RedshiftDbGroups", got.GetProperty("Tags")[0].GetProperty("Value").GetString());

        var listed = (await cli.RunAsync("iam list-open-id-connect-providers", Ct)).Json();
        Assert.Equal([oidcArn], listed.GetProperty("OpenIDConnectProviderList").EnumerateArray().Select(e => e.GetProperty("Arn").GetString()));
        var duplicate = await cli.RunAsync(["iam", "create-open-id-connect-provider", "--url", "https://127.0.0.1:8443/issuer", "--thumbprint-list", thumbprint], Ct);
        Assert.Contains("(EntityAlreadyExists)", duplicate.Stderr, StringComparison.Ordinal);
        var plainHttp = await cli.RunAsync(["iam", "create-open-id-connect-provider", "--url", "http://idp.example", "--thumbprint-list", thumbprint], Ct);
        Assert.Contains("(InvalidInput)", plainHttp.Stderr, StringComparison.Ordinal);

        var metadata = Path.Combine(Path.GetTempPath(), $"iamdb-saml-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(metadata, SamlMetadataDocuments.First, Ct);
        try
        {
            var saml = (await cli.RunAsync(["iam", "create-saml-provider", "--name", "Okta", "--saml-metadata-document", "file://" + metadata], Ct)).Json();
            var samlArn = saml.GetProperty("SAMLProviderArn").GetString()!;
            Assert.Equal($"arn:aws:iam::{broker.AccountId}:saml-provider/Okta", samlArn);
            (await cli.RunAsync(["iam", "tag-saml-provider", "--saml-provider-arn", samlArn, "--tags", "Key=iamdb:map/groups,Value=RedshiftDbGroups"], Ct)).Json();
            await File.WriteAllTextAsync(metadata, SamlMetadataDocuments.Rotated, Ct);
            (await cli.RunAsync(["iam", "update-saml-provider", "--saml-provider-arn", samlArn, "--saml-metadata-document", "file://" + metadata], Ct)).Json();
            var samlGot = (await cli.RunAsync(["iam", "get-saml-provider", "--saml-provider-arn", samlArn], Ct)).Json();
            Assert.Equal(SamlMetadataDocuments.Rotated, samlGot.GetProperty("SAMLMetadataDocument").GetString());
            Assert.StartsWith("2031-06-30T12:00:00", samlGot.GetProperty("ValidUntil").GetString(), StringComparison.Ordinal);
            var samlTags = (await cli.RunAsync(["iam", "list-saml-provider-tags", "--saml-provider-arn", samlArn], Ct)).Json();
            Assert.Equal("iamdb:map/groups", samlTags.GetProperty("Tags")[0].GetProperty("Key").GetString());
            var samlList = (await cli.RunAsync("iam list-saml-providers", Ct)).Json();
            Assert.Equal([samlArn], samlList.GetProperty("SAMLProviderList").EnumerateArray().Select(e => e.GetProperty("Arn").GetString()));

            (await cli.RunAsync(["iam", "delete-saml-provider", "--saml-provider-arn", samlArn], Ct)).Json();
            var gone = await cli.RunAsync(["iam", "get-saml-provider", "--saml-provider-arn", samlArn], Ct);
            Assert.Contains("(NoSuchEntity)", gone.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(metadata);
        }

        (await cli.RunAsync(["iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", oidcArn], Ct)).Json();
        var deleted = await cli.RunAsync(["iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", oidcArn], Ct);
        Assert.Contains("(NoSuchEntity)", deleted.Stderr, StringComparison.Ordinal);

        var audit = await broker.AuditAsync();
        Assert.Contains(audit, r => r.EventName == "CreateOpenIDConnectProvider" && r.ErrorCode is null);
        Assert.Contains(audit, r => r.EventName == "CreateOpenIDConnectProvider" && r.ErrorCode == "EntityAlreadyExists");
    }

    [Fact]
    public async Task Boto3_ProvidersAndErrors_ParseAsAws()
    {
        await using var broker = await TestBroker.StartAsync();
        const string script = """
            import json, os, boto3
            from botocore.config import Config
            from botocore.exceptions import ClientError
            cfg = Config(retries={"max_attempts": 1})
            iam = boto3.client("iam", endpoint_url=os.environ["IAMDB_URL"], region_name="us-east-1", config=cfg)
            out = {}
            arn = iam.create_open_id_connect_provider(Url="https://token.actions.example", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
            out["oidc"] = arn
            p = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
            out["url"], out["clients"], out["created"] = p["Url"], p["ClientIDList"], p["CreateDate"].year
            iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com")
            out["after_remove"] = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]
            s = iam.create_saml_provider(Name="Entra", SAMLMetadataDocument=os.environ["METADATA"], Tags=[{"Key": "k", "Value": "v"}])
            out["saml"], out["saml_tags"] = s["SAMLProviderArn"], s["Tags"]
            out["saml_list"] = [x["Arn"] for x in iam.list_saml_providers()["SAMLProviderList"]]
            errors = {}
            for name, call in [
                ("thumbprint", lambda: iam.create_open_id_connect_provider(Url="https://x.example", ThumbprintList=["z" * 40])),
                ("missing", lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn + "/nope")),
                ("metadata", lambda: iam.create_saml_provider(Name="Bad", SAMLMetadataDocument="<x>" + "y" * 1000 + "</x>")),
                ("duplicate", lambda: iam.create_saml_provider(Name="Entra", SAMLMetadataDocument=os.environ["METADATA"])),
            ]:
                try:
                    call()
                    errors[name] = None
                except ClientError as e:
                    errors[name] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
            out["errors"] = errors
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
            iam.delete_saml_provider(SAMLProviderArn=out["saml"])
            out["empty"] = [len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]), len(iam.list_saml_providers()["SAMLProviderList"])]
            print(json.dumps(out))
            """;

        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "/usr/bin/python3",
            ["-c", script],
            new Dictionary<string, string>
            {
                ["IAMDB_URL"] = broker.Endpoint,
                ["METADATA"] = SamlMetadataDocuments.First,
                ["AWS_ACCESS_KEY_ID"] = broker.Root.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = broker.Root.SecretAccessKey,
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            });

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:oidc-provider/token.actions.example", result.GetProperty("oidc").GetString());
        Assert.Equal("token.actions.example", result.GetProperty("url").GetString());
        Assert.Equal(["sts.amazonaws.com"], result.GetProperty("clients").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(result.GetProperty("after_remove").EnumerateArray());
        Assert.Equal($"arn:aws:iam::{broker.AccountId}:saml-provider/Entra", result.GetProperty("saml").GetString());
        Assert.Equal("k", result.GetProperty("saml_tags")[0].GetProperty("Key").GetString());
        var errors = result.GetProperty("errors");
        Assert.Equal("""["InvalidInput",400]""", errors.GetProperty("thumbprint").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("""["NoSuchEntity",404]""", errors.GetProperty("missing").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("""["InvalidInput",400]""", errors.GetProperty("metadata").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("""["EntityAlreadyExists",409]""", errors.GetProperty("duplicate").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("[0,0]", result.GetProperty("empty").GetRawText().Replace(" ", "", StringComparison.Ordinal));
    }
}
