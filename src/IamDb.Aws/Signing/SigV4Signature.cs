namespace IamDb.Aws.Signing;

/// <summary>The result of header-form signing: the headers to add to the request before sending it.</summary>
public sealed class SigV4HeaderSignature
{
    internal SigV4HeaderSignature(
        IReadOnlyList<KeyValuePair<string, string>> headersToAdd, string authorization, string signature,
        string canonicalRequest, string stringToSign)
    {
        HeadersToAdd = headersToAdd;
        Authorization = authorization;
        Signature = signature;
        CanonicalRequest = canonicalRequest;
        StringToSign = stringToSign;
    }

    /// <summary>
    /// <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> (with a session token), <c>X-Amz-Content-SHA256</c> (when asked
    /// for) and <c>Authorization</c>, in that order. Replace any header of the same name the request already has.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> HeadersToAdd { get; }

    /// <summary>The <c>Authorization</c> header value.</summary>
    public string Authorization { get; }

    /// <summary>The signature: 64 lowercase hex characters.</summary>
    public string Signature { get; }

    /// <summary>The canonical request that was signed (contains no secret; the session token when one is signed).</summary>
    internal string CanonicalRequest { get; }

    /// <summary>The string to sign.</summary>
    internal string StringToSign { get; }
}

/// <summary>The result of presigning: a query string that authenticates the request by itself.</summary>
public sealed class SigV4PresignedRequest
{
    internal SigV4PresignedRequest(string rawQuery, string rawTarget, string signature, string canonicalRequest, string stringToSign)
    {
        RawQuery = rawQuery;
        RawTarget = rawTarget;
        Signature = signature;
        CanonicalRequest = canonicalRequest;
        StringToSign = stringToSign;
    }

    /// <summary>The full query (original parameters, then the <c>X-Amz-*</c> ones, <c>X-Amz-Signature</c> last), without <c>?</c>.</summary>
    public string RawQuery { get; }

    /// <summary>Path and query to put on the request line.</summary>
    public string RawTarget { get; }

    /// <summary>The signature: 64 lowercase hex characters.</summary>
    public string Signature { get; }

    /// <summary>The canonical request that was signed.</summary>
    internal string CanonicalRequest { get; }

    /// <summary>The string to sign.</summary>
    internal string StringToSign { get; }
}
