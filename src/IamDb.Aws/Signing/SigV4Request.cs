namespace IamDb.Aws.Signing;

/// <summary>An HTTP request to sign, described as it will go on the wire.</summary>
public sealed class SigV4Request
{
    /// <summary>Creates a request to sign.</summary>
    /// <param name="method">The HTTP method, e.g. <c>POST</c>.</param>
    /// <param name="host">The Host header value: host name, plus <c>:port</c> when the port is not the scheme's default.</param>
    /// <param name="rawPath">The path exactly as sent (already percent-encoded), e.g. <c>/</c>.</param>
    /// <param name="rawQuery">The query exactly as sent, without <c>?</c>; empty when there is none.</param>
    /// <param name="headers">Headers to send and sign, in order; names may repeat. Host is added when absent.</param>
    /// <param name="body">The body bytes.</param>
    public SigV4Request(
        string method, string host, string rawPath, string rawQuery,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null, ReadOnlyMemory<byte> body = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentNullException.ThrowIfNull(rawPath);
        ArgumentNullException.ThrowIfNull(rawQuery);
        Method = method;
        Host = host;
        RawPath = rawPath.Length == 0 ? "/" : rawPath;
        RawQuery = rawQuery.StartsWith('?') ? rawQuery[1..] : rawQuery;
        Headers = headers ?? [];
        Body = body;
    }

    /// <summary>Creates a request from an absolute URI (its escaped path and query are used as sent).</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">An absolute URI; the port is part of the host unless it is the scheme's default.</param>
    /// <param name="headers">Headers to send and sign.</param>
    /// <param name="body">The body bytes.</param>
    public static SigV4Request FromUri(
        string method, Uri uri, IReadOnlyList<KeyValuePair<string, string>>? headers = null, ReadOnlyMemory<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The URI must be absolute.", nameof(uri));
        }

        var host = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}";
        return new SigV4Request(method, host, uri.AbsolutePath, uri.Query, headers, body);
    }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The Host header value.</summary>
    public string Host { get; }

    /// <summary>The raw path.</summary>
    public string RawPath { get; }

    /// <summary>The raw query without <c>?</c>.</summary>
    public string RawQuery { get; }

    /// <summary>The headers to sign.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
