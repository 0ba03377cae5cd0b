namespace IamDb.Aws.Signing;

/// <summary>Names and fixed strings of AWS Signature Version 4.</summary>
internal static class SigV4Constants
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Terminator = "aws4_request";
    public const string KeyPrefix = "AWS4";

    public const string AuthorizationHeader = "Authorization";
    public const string HostHeader = "Host";
    public const string AmzDateHeader = "X-Amz-Date";
    public const string DateHeader = "Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";
    public const string ContentSha256Header = "X-Amz-Content-SHA256";

    public const string AlgorithmParameter = "X-Amz-Algorithm";
    public const string CredentialParameter = "X-Amz-Credential";
    public const string DateParameter = "X-Amz-Date";
    public const string ExpiresParameter = "X-Amz-Expires";
    public const string SignedHeadersParameter = "X-Amz-SignedHeaders";
    public const string SecurityTokenParameter = "X-Amz-Security-Token";
    public const string SignatureParameter = "X-Amz-Signature";

    /// <summary>Longest presigned lifetime SigV4 allows: 7 days.</summary>
    public const int MaxPresignedExpirySeconds = 604_800;

    /// <summary>Hex SHA-256 of the empty string.</summary>
    public const string EmptyPayloadSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}
