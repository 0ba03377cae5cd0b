using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Broker.State.Redshift;

/// <summary>
/// The TLS modes of a cluster's admin connection, named as libpq names them. There is no mode without TLS or
/// without failure on a missing TLS: the admin session carries a password that may be a superuser's.
/// </summary>
internal static class ClusterSslModes
{
    /// <summary>Encrypted; the certificate is not checked (for a loopback server, where nobody sits in between).</summary>
    public const string Require = "require";

    /// <summary>Encrypted; the certificate chains to a trusted root (the registered one, else the system's).</summary>
    public const string VerifyCa = "verify-ca";

    /// <summary>As <see cref="VerifyCa"/>, and the certificate names the host the broker connects to.</summary>
    public const string VerifyFull = "verify-full";

    /// <summary>Every mode, weakest first.</summary>
    public static readonly IReadOnlyList<string> All = [Require, VerifyCa, VerifyFull];

    /// <summary>The mode as stored (lower case), or null when it is none of <see cref="All"/>.</summary>
    public static string? Normalize(string? mode) =>
        mode is null ? null : All.FirstOrDefault(m => string.Equals(m, mode.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary><c>require</c> for a loopback host (127.0.0.0/8, ::1, localhost), otherwise <c>verify-full</c>.</summary>
    public static string DefaultFor(string host) => IsLoopback(host) ? Require : VerifyFull;

    /// <summary>True for 127.0.0.0/8, ::1 (also bracketed or IPv4-mapped) and <c>localhost</c>.</summary>
    public static bool IsLoopback(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var h = host.Trim();
        if (string.Equals(h, "localhost", StringComparison.OrdinalIgnoreCase) || string.Equals(h, "localhost.", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (h.Length > 2 && h[0] == '[' && h[^1] == ']')
        {
            h = h[1..^1];
        }

        // Only dotted quads count as IPv4: "127" or "127.1" are host names to the resolver-free check below.
        if (!IPAddress.TryParse(h, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && h.Count(c => c == '.') != 3))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }
}

/// <summary>PEM root certificates as stored with a cluster.</summary>
internal static class ClusterRootCertificates
{
    /// <summary>Most certificates one cluster's trust bundle may hold.</summary>
    public const int MaxCertificates = 50;

    /// <summary>The certificates of <paramref name="pem"/>; throws <see cref="CryptographicException"/> when there is none or one does not parse.</summary>
    public static X509Certificate2Collection Parse(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var collection = new X509Certificate2Collection();
        try
        {
            var span = pem.AsSpan();
            while (PemEncoding.TryFind(span, out var fields))
            {
                var label = span[fields.Label];
                if (label.SequenceEqual("CERTIFICATE") || label.SequenceEqual("TRUSTED CERTIFICATE"))
                {
                    var der = Convert.FromBase64String(span[fields.Base64Data].ToString());
                    collection.Add(X509CertificateLoader.LoadCertificate(der));
                    if (collection.Count > MaxCertificates)
                    {
                        throw new CryptographicException($"more than {MaxCertificates} certificates");
                    }
                }
                else
                {
                    throw new CryptographicException($"a PEM block labelled {label} is not a certificate (a private key does not belong here)");
                }

                span = span[fields.Location.End..];
            }

            if (collection.Count == 0)
            {
                throw new CryptographicException("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
            }

            return collection;
        }
        catch (FormatException e)
        {
            Dispose(collection);
            throw new CryptographicException("a certificate's base64 text is damaged", e);
        }
        catch
        {
            Dispose(collection);
            throw;
        }
    }

    /// <summary>Why <paramref name="pem"/> is not usable, or null when it parses.</summary>
    public static string? Check(string pem)
    {
        try
        {
            Dispose(Parse(pem));
            return null;
        }
        catch (CryptographicException e)
        {
            return e.Message;
        }
    }

    private static void Dispose(X509Certificate2Collection collection)
    {
        foreach (var c in collection)
        {
            c.Dispose();
        }
    }
}

/// <summary>
/// A cluster's <see cref="RedshiftCluster.AllowedDbGroups"/>: group names and simple patterns where <c>*</c> stands for
/// any run of characters and <c>?</c> for one. Names compare exactly (groups are lower case).
/// </summary>
internal static class DbGroupPatterns
{
    /// <summary>Most entries one cluster may list.</summary>
    public const int MaxPatterns = 100;

    /// <summary>Why <paramref name="pattern"/> is not a group name or pattern, or null when it is one.</summary>
    public static string? Check(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length is 0 or > 64)
        {
            return "must be 1 to 64 characters long";
        }

        foreach (var c in pattern)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '+' or '.' or '@' or '-' or '*' or '?'))
            {
                return $"may contain only lower-case letters, digits, _ + . @ - and the wildcards * and ?; '{c}' is not allowed";
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="patterns"/> is empty or one of them matches <paramref name="group"/>.</summary>
    public static bool IsAllowed(IReadOnlyList<string> patterns, string group)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(group);
        return patterns.Count == 0 || patterns.Any(p => Matches(p, group));
    }

    /// <summary>True when <paramref name="pattern"/> matches all of <paramref name="group"/>.</summary>
    public static bool Matches(string pattern, string group)
    {
        // Iterative glob with one backtrack point: linear in practice, never exponential.
        int p = 0, g = 0, star = -1, mark = 0;
        while (g < group.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == group[g]))
            {
                p++;
                g++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = g;
            }
            else if (star >= 0)
            {
                p = star + 1;
                g = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
