using System.Security.Authentication;

namespace IamDb.Client.Tls;

/// <summary>Turns a failed HTTPS handshake into a sentence that says why and what to do.</summary>
internal static class TlsFailure
{
    /// <summary>True when <paramref name="exception"/> (or an inner one) is a TLS handshake failure.</summary>
    public static bool IsTls(Exception exception) => Find<AuthenticationException>(exception) is not null;

    /// <summary>
    /// The reason: the certificate check's own finding when it refused (<paramref name="refusal"/>), else the handshake's
    /// innermost message read as a protocol problem.
    /// </summary>
    public static string Describe(Exception exception, string? refusal, Uri endpoint)
    {
        if (refusal is not null)
        {
            return "TLS failed, " + refusal + ".";
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var detail = innermost.Message;
        if (detail.Contains("frame", StringComparison.OrdinalIgnoreCase) || detail.Contains("unexpected", StringComparison.OrdinalIgnoreCase)
            || innermost is IOException)
        {
            return $"TLS failed, protocol: {endpoint.Authority} did not complete a TLS handshake ({detail}). "
                   + "Check that the endpoint serves HTTPS on that port (for a broker without TLS use http://).";
        }

        return $"TLS failed, protocol: the handshake with {endpoint.Authority} was refused ({detail}). "
               + "Check that client and broker share a TLS version (1.2 or 1.3) and that the endpoint is the broker.";
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
