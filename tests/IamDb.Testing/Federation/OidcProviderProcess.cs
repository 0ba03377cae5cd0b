using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace IamDb.Testing.Federation;

/// <summary>
/// npm's <c>oidc-provider</c> (pinned in <c>tests/federation/oidc</c>, installed by <c>scripts/test.sh</c>) started by a
/// test on a loopback HTTPS port with a self-signed certificate made for it. Its development interactions accept any
/// login name and password; it has one public client (<see cref="ClientId"/>) allowed PKCE, the device flow and a
/// loopback redirect <c>http://127.0.0.1:ANY/callback</c>. The ID token carries <c>sub</c>, and with scope
/// <c>groups</c> the <c>groups</c> claim of <see cref="Options.Accounts"/>. Disposing stops it.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _stderr;

    private OidcProviderProcess(Process process, string directory, StringBuilder stderr, Uri issuer, X509Certificate2 certificate, string clientId)
    {
        _process = process;
        _directory = directory;
        _stderr = stderr;
        Issuer = issuer;
        Certificate = certificate;
        ClientId = clientId;
    }

    /// <summary>The issuer, <c>https://127.0.0.1:PORT</c> (no trailing slash), as the ID token's <c>iss</c> says.</summary>
    public Uri Issuer { get; }

    /// <summary>The issuer as text exactly as in tokens and discovery: <c>https://127.0.0.1:PORT</c>.</summary>
    public string IssuerText => Issuer.GetLeftPart(UriPartial.Authority);

    /// <summary>The provider's self-signed server certificate (the only one in its chain).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The SHA-1 thumbprint of <see cref="Certificate"/>, lower-case hex, as <c>CreateOpenIDConnectProvider</c> takes it.</summary>
#pragma warning disable CA5350 // SHA-1 is what the IAM API's thumbprints are; it identifies a certificate, it protects nothing.
    public string Thumbprint => Convert.ToHexStringLower(SHA1.HashData(Certificate.RawData));
#pragma warning restore CA5350

    /// <summary>A PEM file of <see cref="Certificate"/>, to trust it as a CA (it is self-signed).</summary>
    public string CertificateFile => Path.Combine(_directory, "cert.pem");

    /// <summary>The public client's id (the ID token's <c>aud</c>).</summary>
    public string ClientId { get; }

    /// <summary>What the provider wrote to stderr so far (its warnings), for failure messages.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Settings of a provider.</summary>
    public sealed record Options
    {
        /// <summary>The client id of the public client. Default <c>iamdb</c>.</summary>
        public string ClientId { get; init; } = "iamdb";

        /// <summary>Groups per login name, sent as the <c>groups</c> claim.</summary>
        public IReadOnlyDictionary<string, string[]> Accounts { get; init; } = new Dictionary<string, string[]>();

        /// <summary>The device flow's polling interval in seconds that the provider announces. Default 1.</summary>
        public int DeviceInterval { get; init; } = 1;

        /// <summary>How many device-flow polls are answered <c>slow_down</c> before the provider answers normally.</summary>
        public int SlowDowns { get; init; }
    }

    /// <summary>The directory holding <c>provider.mjs</c> and its <c>node_modules</c>.</summary>
    public static string ScriptDirectory => Path.Combine(RepositoryRoot(), "tests", "federation", "oidc");

    /// <summary>Starts a provider and waits (at most 30 s) until it listens.</summary>
    /// <exception cref="InvalidOperationException">node or the npm packages are missing, or it did not start.</exception>
    public static async Task<OidcProviderProcess> StartAsync(Options? options = null, CancellationToken ct = default)
    {
        options ??= new Options();
        var scripts = ScriptDirectory;
        if (!Directory.Exists(Path.Combine(scripts, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {scripts}/node_modules: run `npm ci` there (scripts/test.sh does).");
        }

        var directory = Directory.CreateTempSubdirectory("iamdb-oidc-").FullName;
        var pem = TestCertificates.CreateServer(null, ["localhost"], [IPAddress.Loopback], DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), "CN=iamdb test identity provider");
        await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), pem.CertificatePem, ct);
        var keyFile = Path.Combine(directory, "key.pem");
        await File.WriteAllTextAsync(keyFile, pem.PrivateKeyPem, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = scripts,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(scripts, "provider.mjs"));
        foreach (var (name, value) in new[]
                 {
                     ("--cert", Path.Combine(directory, "cert.pem")), ("--key", keyFile), ("--client-id", options.ClientId),
                     ("--accounts", JsonSerializer.Serialize(options.Accounts)),
                     ("--device-interval", options.DeviceInterval.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                     ("--slow-down", options.SlowDowns.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                 })
        {
            psi.ArgumentList.Add(name);
            psi.ArgumentList.Add(value);
        }

        var stderr = new StringBuilder();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        // Loading oidc-provider's modules on a machine busy with the rest of the suite has taken over 30 s once.
        var startLimit = TimeSpan.FromSeconds(90);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(startLimit);
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"oidc-provider exited before it was ready: {stderr}");
                if (line.StartsWith("READY ", StringComparison.Ordinal))
                {
                    using var ready = JsonDocument.Parse(line["READY ".Length..]);
                    var issuer = new Uri(ready.RootElement.GetProperty("issuer").GetString()!);
                    var certificate = X509Certificate2.CreateFromPem(pem.CertificatePem);
                    // Drain stdout so the child never blocks on a full pipe.
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return new OidcProviderProcess(process, directory, stderr, issuer, certificate, options.ClientId);
                }
            }
        }
        catch (Exception e)
        {
            Stop(process);
            Directory.Delete(directory, recursive: true);
            if (e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                string said;
                lock (stderr)
                {
                    said = stderr.ToString();
                }

                throw new TimeoutException($"oidc-provider did not say READY within {startLimit.TotalSeconds} s; its stderr: {said}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// An <see cref="HttpClient"/> that trusts exactly this provider's certificate, keeps cookies, and does not follow
    /// redirects (the caller follows them, so a redirect to a loopback callback is visible).
    /// </summary>
    public HttpClient CreateBrowser()
    {
        var expected = Certificate.RawData;
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = new CookieContainer(),
            UseCookies = true,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawData.AsSpan().SequenceEqual(expected),
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Stop(_process);
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
        Certificate.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // Closing stdin stops it; the kill is for a provider that hangs.
                process.StandardInput.Close();
                if (!process.WaitForExit(5000))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
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
