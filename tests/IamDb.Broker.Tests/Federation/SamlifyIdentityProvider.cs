using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IamDb.Broker.Tests.Federation;

/// <summary>
/// A SAML identity provider built with npm's <c>samlify</c> (<c>tests/federation/saml/idp.js</c>), one Node process per
/// test class: it signs responses with a key generated here and answers one JSON request per line. The key never leaves
/// the temporary directory (mode 0600) and is never printed.
/// </summary>
public sealed class SamlifyIdentityProvider : IAsyncLifetime
{
    /// <summary>The identity provider's entity ID, the <c>Issuer</c> of its responses.</summary>
    public const string EntityId = "https://samlify.test.example/saml";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DirectoryInfo? _directory;
    private Process? _node;

    /// <summary>Its metadata document, for <c>CreateSAMLProvider</c>.</summary>
    public string Metadata { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var project = Path.Combine(RepositoryRoot(), "tests", "federation", "saml");
        if (!Directory.Exists(Path.Combine(project, "node_modules", "samlify")))
        {
            throw new InvalidOperationException($"samlify is not installed: run `npm ci` in {project} (scripts/test.sh does)");
        }

        _directory = Directory.CreateTempSubdirectory("iamdb-samlify-");
        var keyPath = Path.Combine(_directory.FullName, "idp.key");
        var certPath = Path.Combine(_directory.FullName, "idp.crt");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=samlify test identity provider", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(keyPath, "");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = project,
        };
        foreach (var argument in new[] { Path.Combine(project, "idp.js"), keyPath, certPath, EntityId })
        {
            start.ArgumentList.Add(argument);
        }

        _node = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        _node.ErrorDataReceived += (_, _) => { }; // samlify's construction warnings; drained so the pipe never fills
        _node.BeginErrorReadLine();
        Metadata = (await RequestAsync(new JsonObject { ["metadata"] = true })).GetProperty("metadata").GetString()!;
    }

    /// <summary>
    /// A signed base64 <c>SAMLResponse</c> for the audience (AWS's by default) with these attributes (by <c>Name</c>).
    /// </summary>
    public async Task<string> ResponseAsync(IReadOnlyDictionary<string, string[]> attributes, string nameId = "ada@example.com", string? audience = null)
    {
        var request = new JsonObject
        {
            ["nameId"] = nameId,
            ["attributes"] = new JsonObject(attributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)new JsonArray(a.Value.Select(v => (JsonNode?)v).ToArray())))),
        };
        if (audience is not null)
        {
            request["audience"] = audience;
        }

        return (await RequestAsync(request)).GetProperty("response").GetString()!;
    }

    private async Task<JsonElement> RequestAsync(JsonObject request)
    {
        await _gate.WaitAsync();
        try
        {
            await _node!.StandardInput.WriteLineAsync(request.ToJsonString());
            await _node.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await _node.StandardOutput.ReadLineAsync(timeout.Token)
                       ?? throw new InvalidOperationException($"the samlify identity provider exited ({(_node.HasExited ? _node.ExitCode : -1)})");
            var answer = JsonDocument.Parse(line).RootElement.Clone();
            if (answer.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException("the samlify identity provider failed: " + error.GetString());
            }

            return answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is not null)
        {
            _node.StandardInput.Close(); // idp.js ends with its input
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _node.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _node.Kill(entireProcessTree: true);
            }

            _node.Dispose();
        }

        _directory?.Delete(recursive: true);
        _gate.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IamDb.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (IamDb.slnx) is not above " + AppContext.BaseDirectory);
    }
}
