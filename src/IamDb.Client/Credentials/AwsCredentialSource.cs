using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using IamDb.Aws.Signing;

namespace IamDb.Client.Credentials;

/// <summary>
/// Where the AWS credentials that sign requests come from: given explicitly, a named profile of the shared
/// <c>~/.aws/config</c> / <c>~/.aws/credentials</c> files (including assume-role profiles), or AWSSDK.Core's default chain
/// (environment variables, web identity, the <c>AWS_PROFILE</c>/<c>default</c> profile, container and instance metadata).
/// Web identity (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c>, or a profile's <c>web_identity_token_file</c>)
/// is served by <see cref="WebIdentityCredentials"/>, whose STS call goes to the broker.
/// Temporary credentials from the SDK are refreshed by the SDK before they expire.
/// </summary>
public abstract class AwsCredentialSource
{
    private protected AwsCredentialSource(string identity) => Identity = identity;

    /// <summary>
    /// Who signs, as the credential cache keys it: the access key id for explicit keys, <c>profile:NAME</c> for a profile,
    /// <c>default:…</c> for the default chain (see <see cref="Default"/>). It never contains a secret.
    /// </summary>
    public string Identity { get; }

    /// <summary>The shared-config profile these credentials come from, or null for explicit keys and the default chain.</summary>
    internal string? ProfileName { get; private init; }

    /// <summary>Fixed keys (a long-term <c>AKIA…</c> pair, or an <c>ASIA…</c> pair with its session token).</summary>
    public static AwsCredentialSource Explicit(string accessKeyId, string secretAccessKey, string? sessionToken = null) =>
        new FixedSource(new SigningCredentials(accessKeyId, secretAccessKey, sessionToken));

    /// <summary>A profile of the shared config and credentials files (honours <c>AWS_CONFIG_FILE</c>, <c>AWS_SHARED_CREDENTIALS_FILE</c>).</summary>
    /// <param name="profileName">The profile, e.g. <c>default</c> or <c>iamdb</c>.</param>
    /// <param name="credentialsFile">A credentials file to read instead of the default location.</param>
    /// <exception cref="AwsCredentialsException">no such profile, or it cannot produce credentials.</exception>
    public static AwsCredentialSource FromProfile(string profileName, string? credentialsFile = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(profileName);
        if (credentialsFile is null && WebIdentityCredentials.FromProfile(profileName) is { } webIdentity)
        {
            // The broker is the STS endpoint (the profile's endpoint_url or AWS_ENDPOINT_URL[_STS]), not AWS's.
            return new WebIdentityCredentialSource(webIdentity, null, profileName) { ProfileName = profileName };
        }

        var chain = credentialsFile is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(credentialsFile);
        AWSCredentials? credentials;
        try
        {
            if (!chain.TryGetAWSCredentials(profileName, out credentials))
            {
                throw new AwsCredentialsException(
                    $"AWS profile '{profileName}' was not found in {(credentialsFile ?? "the shared config and credentials files")}.");
            }
        }
        catch (Exception e) when (e is not AwsCredentialsException)
        {
            throw new AwsCredentialsException($"AWS profile '{profileName}' cannot be used: {e.Message}", e);
        }

        return new SdkSource(credentials, "profile:" + profileName + (credentialsFile is null ? string.Empty : "@" + Path.GetFullPath(credentialsFile)))
        {
            ProfileName = profileName,
        };
    }

    /// <summary>
    /// AWSSDK.Core's default credential chain. Its <see cref="Identity"/> names what the chain will find first — the
    /// <c>AWS_ACCESS_KEY_ID</c> or the <c>AWS_PROFILE</c> in effect — so a cache file never serves one identity's credential
    /// to another run with different keys.
    /// </summary>
    public static AwsCredentialSource Default()
    {
        var accessKeyId = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var profile = Environment.GetEnvironmentVariable("AWS_PROFILE");
        if (string.IsNullOrEmpty(accessKeyId))
        {
            // Web identity through our own STS call, so that it goes to the broker (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL).
            if (!string.IsNullOrEmpty(profile) && WebIdentityCredentials.FromProfile(profile) is { } fromProfile)
            {
                return new WebIdentityCredentialSource(fromProfile, null, profile) { ProfileName = profile };
            }

            if (string.IsNullOrEmpty(profile) && WebIdentityCredentials.FromEnvironment() is { } fromEnvironment)
            {
                return fromEnvironment;
            }
        }

        var identity = !string.IsNullOrEmpty(accessKeyId) ? "default:" + accessKeyId
            : !string.IsNullOrEmpty(profile) ? "default:profile:" + profile
            : "default";
        return new SdkSource(null, identity);
    }

    /// <summary>Credentials the application already has from AWSSDK.Core, named <paramref name="identity"/> for the cache key.</summary>
    public static AwsCredentialSource FromSdk(AWSCredentials credentials, string identity)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        return new SdkSource(credentials, identity);
    }

    /// <summary>The current key pair; may refresh temporary credentials first.</summary>
    internal abstract ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"AwsCredentialSource {{ Identity = {Identity} }}";

    private sealed class FixedSource(SigningCredentials credentials) : AwsCredentialSource(credentials.AccessKeyId)
    {
        internal override ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(credentials);
    }

    private sealed class SdkSource(AWSCredentials? credentials, string identity) : AwsCredentialSource(identity)
    {
        private AWSCredentials? _credentials = credentials;
        private Converted? _last;

        internal override async ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken)
        {
            ImmutableCredentials current;
            try
            {
                _credentials ??= DefaultAWSCredentialsIdentityResolver.GetCredentials();
                current = await _credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new AwsCredentialsException($"No AWS credentials from {Identity}: {e.Message}", e);
            }

            var last = Volatile.Read(ref _last);
            if (last is not null && ReferenceEquals(last.Sdk, current))
            {
                return last.Signing;
            }

            var signing = new SigningCredentials(current.AccessKey, current.SecretKey, current.UseToken ? current.Token : null);
            Volatile.Write(ref _last, new Converted(current, signing));
            return signing;
        }

        private sealed record Converted(ImmutableCredentials Sdk, SigningCredentials Signing);
    }
}

/// <summary>No usable AWS credentials (missing profile, empty chain, a failed assume-role).</summary>
public sealed class AwsCredentialsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AwsCredentialsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AwsCredentialsException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AwsCredentialsException(string message)
        : base(message)
    {
    }
}
