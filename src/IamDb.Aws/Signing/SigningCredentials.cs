namespace IamDb.Aws.Signing;

/// <summary>An access key pair, and a session token for temporary (<c>ASIA…</c>) keys. <see cref="ToString"/> hides the secrets.</summary>
public sealed class SigningCredentials
{
    /// <summary>Creates credentials.</summary>
    /// <param name="accessKeyId">The access key id, e.g. <c>AKIAIOSFODNN7EXAMPLE</c>.</param>
    /// <param name="secretAccessKey">The secret access key.</param>
    /// <param name="sessionToken">The session token of temporary credentials, or null.</param>
    public SigningCredentials(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
    }

    /// <summary>The access key id.</summary>
    public string AccessKeyId { get; }

    /// <summary>The secret access key.</summary>
    public string SecretAccessKey { get; }

    /// <summary>The session token, or null for long-term keys.</summary>
    public string? SessionToken { get; }

    /// <summary>The access key id only; the secret and token never appear.</summary>
    public override string ToString() => $"SigningCredentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "***")} }}";
}
