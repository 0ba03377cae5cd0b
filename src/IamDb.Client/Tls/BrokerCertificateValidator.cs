using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Client.Tls;

/// <summary>
/// The HTTPS certificate check of an IamDb client: the platform's validation first (system roots, host name, dates);
/// when only the chain failed and a <see cref="CaBundle"/> is configured, the chain is built again with the bundle's
/// CAs as extra roots. A host-name mismatch is never forgiven. Each refusal is remembered by host so the error the
/// caller sees can say why (the HTTP stack only reports "the SSL connection could not be established").
/// </summary>
internal sealed class BrokerCertificateValidator(CaBundle? bundle)
{
    private readonly ConcurrentDictionary<string, string> _lastRefusal = new(StringComparer.OrdinalIgnoreCase);

    public CaBundle? Bundle { get; } = bundle;

    /// <summary>A handler for HTTP calls that validates with this validator.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
    };

    /// <summary>Why the last handshake with <paramref name="host"/> was refused, or null.</summary>
    public string? LastRefusal(string host) =>
        _lastRefusal.TryGetValue(host, out var why) || _lastRefusal.TryGetValue(host.Trim('[', ']'), out why) ? why : null;

    internal bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var host = (sender as SslStream)?.TargetHostName ?? string.Empty;
        if (errors == SslPolicyErrors.None)
        {
            _lastRefusal.TryRemove(host, out _);
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Refuse(host, "the server sent no certificate");
        }

        using var leaf = new X509Certificate2(certificate);
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Refuse(host, NameMismatch(host, leaf));
        }

        // Only the chain failed: with a bundle, try again with its CAs as the trusted roots.
        var statuses = chain?.ChainStatus.Select(s => s.Status).ToList() ?? [];
        if (Bundle is not null)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(Bundle.Certificates);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements.Skip(1))
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            if (custom.Build(leaf))
            {
                _lastRefusal.TryRemove(host, out _);
                return true;
            }

            statuses = custom.ChainStatus.Select(s => s.Status).ToList();
        }

        return Refuse(host, ChainProblem(leaf, statuses));
    }

    private bool Refuse(string host, string why)
    {
        _lastRefusal[host] = why;
        return false;
    }

    private static string NameMismatch(string host, X509Certificate2 leaf)
    {
        var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToList();
        var holds = names.Count > 0 ? string.Join(", ", names) : leaf.GetNameInfo(X509NameType.SimpleName, false);
        return $"name mismatch: the broker's certificate is for {holds}, not for '{host}'. "
               + "Use an endpoint URL with one of those names, or give the broker a certificate that names this host";
    }

    private string ChainProblem(X509Certificate2 leaf, List<X509ChainStatusFlags> statuses)
    {
        var when = (DateTime d) => d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        if (statuses.Contains(X509ChainStatusFlags.NotTimeValid))
        {
            var now = DateTime.UtcNow;
            var state = leaf.NotAfter.ToUniversalTime() < now ? $"expired on {when(leaf.NotAfter)}" : $"is not valid before {when(leaf.NotBefore)}";
            return $"expired certificate: the broker's certificate {state}. Renew the broker's certificate (or correct this machine's clock)";
        }

        if (statuses.Any(s => s is X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain))
        {
            var advice = Bundle is null
                ? $"Trust the broker's CA: set {CaBundle.EnvironmentVariable} to its CA file (the broker prints it; for `iamdb up --tls` it is DATA/tls/ca.pem), "
                  + "or pass --ca-bundle FILE, or put ca_bundle = FILE in the AWS profile"
                : $"The CA bundle {Bundle.Path} (from {Bundle.Origin}) does not hold the CA that signed it: point it at the broker's own CA file";
            return $"untrusted root: the broker's certificate (issued by {leaf.Issuer}) is not signed by a CA this client trusts. {advice}";
        }

        var flags = statuses.Count > 0 ? string.Join(", ", statuses.Distinct()) : "unknown chain error";
        return $"the broker's certificate is not valid ({flags}). Check the certificate the broker serves";
    }
}
