namespace IamDb.Aws.Signing;

/// <summary>A request exactly as the server received it, for <see cref="SigV4Verifier"/>.</summary>
internal readonly struct SigV4ReceivedRequest
{
    /// <summary>Describes a received request.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="rawTarget">
    /// Path and query as they came on the request line, not decoded (Kestrel: <c>IHttpRequestFeature.RawTarget</c>).
    /// </param>
    /// <param name="headers">Every header in received order; a name may repeat. Values are not joined.</param>
    /// <param name="body">The complete body.</param>
    public SigV4ReceivedRequest(string method, string rawTarget, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        Method = method ?? throw new ArgumentNullException(nameof(method));
        RawTarget = rawTarget ?? throw new ArgumentNullException(nameof(rawTarget));
        Headers = headers ?? throw new ArgumentNullException(nameof(headers));
        Body = body;
    }

    /// <summary>The HTTP method.</summary>
    public string Method { get; }

    /// <summary>The raw request target (path and query).</summary>
    public string RawTarget { get; }

    /// <summary>All headers in received order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Body { get; }
}
