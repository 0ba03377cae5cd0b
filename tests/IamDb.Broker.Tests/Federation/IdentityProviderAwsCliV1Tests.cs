using System.Text.Json;
using IamDb.Broker.Tests.Actions.IdentityProviders;
using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// The identity-provider actions with aws CLI v1 (botocore 1.x, the pip-installed <c>aws</c> of <c>python3</c> on PATH),
/// as <see cref="IdentityProviderCompatibilityTests"/> does with v2: the OIDC provider's lifecycle with a port in its URL
/// and the SAML provider's, each output asserted. Every command goes through v1's own entry point
/// (<c>awscli.clidriver</c>, what the <c>aws</c> script calls: argument parsing, <c>file://</c> loading, shorthand, signing,
/// JSON output), all in one Python process, because each start of the CLI costs about a second.
/// </summary>
public sealed class IdentityProviderAwsCliV1Tests
{
    // Runs each command of the JSON list on stdin as `aws ARGS` would, with a fresh driver, and prints the outcomes.
    private const string Driver = """
        import contextlib, io, json, sys
        import awscli
        from awscli.clidriver import create_clidriver
        outcomes = []
        for argv in json.load(sys.stdin):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = create_clidriver().main(argv)
                except SystemExit as e:
                    code = e.code
            outcomes.append({"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
        print(json.dumps({"version": awscli.__version__, "outcomes": outcomes}))
        """;

    private static readonly string Thumbprint = new('c', 40);
    private static readonly string NewThumbprint = new('d', 40);

    [Fact]
    public async Task OidcAndSamlProviderLifecycles_WithAwsCliV1_ParseAsAws()
    {
        await using var broker = await TestBroker.StartAsync();
        var oidc = $"arn:aws:iam::{broker.AccountId}:oidc-provider/idp.example:8443/realms/main";
        var saml = $"arn:aws:iam::{broker.AccountId}:saml-provider/Okta";
        var directory = Directory.CreateTempSubdirectory("iamdb-cli-v1-");
        try
        {
            var first = Path.Combine(directory.FullName, "first.xml");
            var rotated = Path.Combine(directory.FullName, "rotated.xml");
            await File.WriteAllTextAsync(first, SamlMetadataDocuments.First, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(rotated, SamlMetadataDocuments.Rotated, TestContext.Current.CancellationToken);
            string[][] commands =
            [
                ["create-open-id-connect-provider", "--url", "https://IdP.example:8443/realms/main", "--client-id-list", "sts.amazonaws.com",
                 "--thumbprint-list", Thumbprint, "--tags", "Key=team,Value=data"],
                ["get-open-id-connect-provider", "--open-id-connect-provider-arn", oidc],
                ["list-open-id-connect-providers"],
                ["add-client-id-to-open-id-connect-provider", "--open-id-connect-provider-arn", oidc, "--client-id", "iamdb"],
                ["remove-client-id-from-open-id-connect-provider", "--open-id-connect-provider-arn", oidc, "--client-id", "sts.amazonaws.com"],
                ["update-open-id-connect-provider-thumbprint", "--open-id-connect-provider-arn", oidc, "--thumbprint-list", NewThumbprint],
                ["tag-open-id-connect-provider", "--open-id-connect-provider-arn", oidc, "--tags", "Key=iamdb:map/groups,Value=RedshiftDbGroups"],
                ["untag-open-id-connect-provider", "--open-id-connect-provider-arn", oidc, "--tag-keys", "team"],
                ["list-open-id-connect-provider-tags", "--open-id-connect-provider-arn", oidc],
                ["get-open-id-connect-provider", "--open-id-connect-provider-arn", oidc],
                ["delete-open-id-connect-provider", "--open-id-connect-provider-arn", oidc],
                ["get-open-id-connect-provider", "--open-id-connect-provider-arn", oidc],
                ["create-saml-provider", "--name", "Okta", "--saml-metadata-document", "file://" + first, "--tags", "Key=idp,Value=okta"],
                ["get-saml-provider", "--saml-provider-arn", saml],
                ["list-saml-providers"],
                ["update-saml-provider", "--saml-provider-arn", saml, "--saml-metadata-document", "file://" + rotated],
                ["tag-saml-provider", "--saml-provider-arn", saml, "--tags", "Key=iamdb:map/groups,Value=RedshiftDbGroups"],
                ["list-saml-provider-tags", "--saml-provider-arn", saml],
                ["get-saml-provider", "--saml-provider-arn", saml],
                ["delete-saml-provider", "--saml-provider-arn", saml],
                ["list-saml-providers"],
            ];

            var run = await RunV1Async(broker, commands);

            Assert.StartsWith("1.", run.Version, StringComparison.Ordinal);
            Assert.Equal(oidc, run.Ok(0).GetProperty("OpenIDConnectProviderArn").GetString());
            Assert.Equal("data", run.Ok(0).GetProperty("Tags")[0].GetProperty("Value").GetString());
            var created = run.Ok(1);
            Assert.Equal("idp.example:8443/realms/main", created.GetProperty("Url").GetString());
            Assert.Equal(["sts.amazonaws.com"], Strings(created.GetProperty("ClientIDList")));
            Assert.Equal([Thumbprint], Strings(created.GetProperty("ThumbprintList")));
            Assert.True(created.GetProperty("CreateDate").GetString()!.Length > 0);
            Assert.Equal([oidc], run.Ok(2).GetProperty("OpenIDConnectProviderList").EnumerateArray().Select(e => e.GetProperty("Arn").GetString()));
            for (var i = 3; i <= 7; i++)
            {
                Assert.Equal(JsonValueKind.Undefined, run.Ok(i).ValueKind); // no output, as from AWS
            }

            var tags = run.Ok(8).GetProperty("Tags");
            Assert.Equal([("iamdb:map/groups", "RedshiftDbGroups")], tags.EnumerateArray().Select(t => (t.GetProperty("Key").GetString(), t.GetProperty("Value").GetString())));
            var changed = run.Ok(9);
            Assert.Equal(["iamdb"], Strings(changed.GetProperty("ClientIDList")));
            Assert.Equal([NewThumbprint], Strings(changed.GetProperty("ThumbprintList")));
            run.Ok(10);
            run.Fails(11, "NoSuchEntity");

            Assert.Equal(saml, run.Ok(12).GetProperty("SAMLProviderArn").GetString());
            Assert.Equal(SamlMetadataDocuments.First, run.Ok(13).GetProperty("SAMLMetadataDocument").GetString());
            Assert.StartsWith("2030-01-01T00:00:00", run.Ok(13).GetProperty("ValidUntil").GetString(), StringComparison.Ordinal);
            Assert.Equal([saml], run.Ok(14).GetProperty("SAMLProviderList").EnumerateArray().Select(e => e.GetProperty("Arn").GetString()));
            Assert.Equal(saml, run.Ok(15).GetProperty("SAMLProviderArn").GetString());
            run.Ok(16);
            Assert.Equal(["iamdb:map/groups", "idp"], run.Ok(17).GetProperty("Tags").EnumerateArray().Select(t => t.GetProperty("Key").GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(SamlMetadataDocuments.Rotated, run.Ok(18).GetProperty("SAMLMetadataDocument").GetString());
            Assert.StartsWith("2031-06-30T12:00:00", run.Ok(18).GetProperty("ValidUntil").GetString(), StringComparison.Ordinal);
            run.Ok(19);
            Assert.Empty(run.Ok(20).GetProperty("SAMLProviderList").EnumerateArray());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static IEnumerable<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString());

    private static async Task<V1Run> RunV1Async(TestBroker broker, string[][] commands)
    {
        var argv = commands.Select(c => (string[])["--endpoint-url", broker.Endpoint, "--output", "json", "iam", .. c]).ToList();
        var (exit, stdout, stderr) = await ProcessRunner.RunAsync(
            "python3",
            ["-c", Driver],
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = broker.Root.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = broker.Root.SecretAccessKey,
                ["AWS_DEFAULT_REGION"] = "us-east-1",
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            },
            stdin: JsonSerializer.Serialize(argv));
        Assert.True(exit == 0, $"python3 with aws CLI v1 (pip install awscli) exited with {exit}: {stderr}");
        using var document = JsonDocument.Parse(stdout);
        var root = document.RootElement;
        var outcomes = root.GetProperty("outcomes").EnumerateArray()
            .Select((o, i) => new Outcome(commands[i][0], o.GetProperty("exit").ValueKind == JsonValueKind.Number ? o.GetProperty("exit").GetInt32() : -1,
                o.GetProperty("stdout").GetString()!, o.GetProperty("stderr").GetString()!))
            .ToList();
        return new V1Run(root.GetProperty("version").GetString()!, outcomes);
    }

    private sealed record Outcome(string Command, int ExitCode, string Stdout, string Stderr);

    private sealed record V1Run(string Version, IReadOnlyList<Outcome> Outcomes)
    {
        /// <summary>The <paramref name="index"/>th command's JSON output (undefined when it printed nothing); it must have succeeded.</summary>
        public JsonElement Ok(int index)
        {
            var outcome = Outcomes[index];
            Assert.True(outcome.ExitCode == 0, $"aws iam {outcome.Command} exited with {outcome.ExitCode}: {outcome.Stderr.Trim()}");
            return string.IsNullOrWhiteSpace(outcome.Stdout) ? default : JsonDocument.Parse(outcome.Stdout).RootElement.Clone();
        }

        /// <summary>The <paramref name="index"/>th command failed with <paramref name="code"/>, as v1 reports a service error.</summary>
        public void Fails(int index, string code)
        {
            var outcome = Outcomes[index];
            Assert.NotEqual(0, outcome.ExitCode);
            Assert.Contains($"({code})", outcome.Stderr, StringComparison.Ordinal);
        }
    }
}
