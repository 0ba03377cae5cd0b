using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Postgres.Credentials;

/// <summary>The checks an admin connection makes on the server's certificate.</summary>
internal enum TlsCheck
{
    /// <summary>Encrypted, certificate not checked.</summary>
    Require,

    /// <summary>The certificate chains to a trusted root and is valid now.</summary>
    VerifyCa,

    /// <summary>As <see cref="VerifyCa"/>, and it names the host connected to.</summary>
    VerifyFull,
}

/// <summary>A server certificate that failed a check; the message says which and what to do, and is safe to show.</summary>
internal sealed class ServerCertificateRejectedException(string message) : Exception(message);

/// <summary>
/// Verifies a cluster's TLS certificate in memory for Npgsql's handshake (<c>SslMode=Require</c> plus this callback),
/// against the endpoint's own root certificates when it has some (only those are trusted), else the system's. A
/// failure throws <see cref="ServerCertificateRejectedException"/> out of the handshake, naming every check that failed
/// (untrusted root, expired, not yet valid, name mismatch) rather than Npgsql's generic "rejected".
/// </summary>
internal sealed class ServerCertificateVerifier
{
    private readonly TlsCheck _check;
    private readonly string _host;
    private readonly X509Certificate2Collection? _roots;
    private readonly TimeProvider _time;

    public ServerCertificateVerifier(TlsCheck check, string host, X509Certificate2Collection? roots, TimeProvider time)
    {
        _check = check;
        _host = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        _roots = roots;
        _time = time;
    }

    /// <summary>The check a mode name asks for (libpq's <c>verify-full</c> or Npgsql's <c>VerifyFull</c>), or null for any other.</summary>
    public static TlsCheck? ParseMode(string? mode) => mode?.Trim().Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "REQUIRE" => TlsCheck.Require,
        "VERIFYCA" => TlsCheck.VerifyCa,
        "VERIFYFULL" => TlsCheck.VerifyFull,
        _ => null,
    };

    /// <summary>The name libpq gives <paramref name="check"/>.</summary>
    public static string Name(TlsCheck check) => check switch
    {
        TlsCheck.Require => "require",
        TlsCheck.VerifyCa => "verify-ca",
        _ => "verify-full",
    };

    /// <summary>Parses PEM root certificates; throws <see cref="ClusterOperationException"/> when there is none or one is damaged.</summary>
    public static X509Certificate2Collection ParseRoots(string pem)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new ClusterOperationException(ClusterFailure.TlsFailed, $"The root certificate PEM does not parse: {e.Message}", e);
        }

        if (roots.Count == 0)
        {
            throw new ClusterOperationException(ClusterFailure.TlsFailed, "The root certificate PEM holds no certificate.");
        }

        return roots;
    }

    /// <summary>The <see cref="RemoteCertificateValidationCallback"/>: true, or a <see cref="ServerCertificateRejectedException"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (_check == TlsCheck.Require)
        {
            return true; // Encrypted; verification was not asked for.
        }

        if (certificate is null)
        {
            throw new ServerCertificateRejectedException($"The server sent no certificate, so {Name(_check)} cannot verify it.");
        }

        using var owned = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        var leaf = certificate as X509Certificate2 ?? owned!;
        var problems = new List<string>();
        var fixes = new List<string>();
        CheckChain(leaf, presented, problems, fixes);
        if (_check == TlsCheck.VerifyFull && !leaf.MatchesHostname(_host, allowWildcards: true, allowCommonName: true))
        {
            problems.Add($"name mismatch: the certificate is for {Names(leaf)}, not for {_host}");
            fixes.Add($"register the cluster under a host name the certificate carries, reissue the certificate to include {_host}, "
                + "or use --ssl-mode verify-ca (SslMode=verify-ca) to check the chain only");
        }

        if (problems.Count == 0)
        {
            return true;
        }

        throw new ServerCertificateRejectedException(
            $"The server's certificate ({leaf.Subject}, issued by {leaf.Issuer}) failed {Name(_check)}: {string.Join("; ", problems)}. "
            + $"To fix: {string.Join("; or ", fixes.Distinct(StringComparer.Ordinal))}.");
    }

    private void CheckChain(X509Certificate2 leaf, X509Chain? presented, List<string> problems, List<string> fixes)
    {
        var now = _time.GetUtcNow();
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (_roots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        }

        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        if (chain.Build(leaf))
        {
            return;
        }

        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            problems.Add(_roots is null
                ? "untrusted root: it does not chain to a root certificate this machine trusts"
                : "untrusted root: it does not chain to the cluster's registered root certificate");
            fixes.Add("pass the certificate of the CA that issued it with --ssl-root-cert FILE (SslRootCertificate)"
                + (_check == TlsCheck.VerifyFull ? ", or --ssl-mode require to encrypt without verifying (only where nobody can sit in between)" : ""));
        }

        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            var invalid = chain.ChainElements.Select(e => e.Certificate).FirstOrDefault(c => c.NotAfter < now.UtcDateTime || c.NotBefore > now.UtcDateTime) ?? leaf;
            var which = ReferenceEquals(invalid, leaf) || invalid.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span) ? "the certificate" : $"its issuer {invalid.Subject}";
            if (invalid.NotAfter < now.UtcDateTime)
            {
                problems.Add($"expired: {which} was valid until {Format(invalid.NotAfter)}");
                fixes.Add("renew the server's certificate");
            }
            else
            {
                problems.Add($"not yet valid: {which} is valid from {Format(invalid.NotBefore)}");
                fixes.Add("check the clocks of the server and the broker, or wait until the certificate is valid");
            }
        }

        const X509ChainStatusFlags handled = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotTimeValid;
        var other = chain.ChainStatus.Where(s => (s.Status & ~handled) != 0).Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        if (other.Count > 0 || problems.Count == 0)
        {
            problems.Add($"invalid chain: {(other.Count > 0 ? string.Join(", ", other) : flags.ToString())}");
            fixes.Add("install a valid certificate chain on the server");
        }
    }

    private static string Names(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
                names.AddRange(san.EnumerateIPAddresses().Select(a => a.ToString()));
            }
        }

        return names.Count > 0 ? string.Join(", ", names.Take(10)) : leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }

    private static string Format(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
