using System.Globalization;
using IamDb.Aws.Signing;
using IamDb.Client.Query;

namespace IamDb.Client.Credentials;

/// <summary>What <c>AssumeRoleWithWebIdentity</c> answered: the role session's keys and who it is.</summary>
/// <param name="Credentials">The temporary key pair with its session token.</param>
/// <param name="Expiration">When the keys stop working.</param>
/// <param name="AssumedRoleArn"><c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>.</param>
/// <param name="Subject">The token's <c>sub</c> as the service saw it (<c>SubjectFromWebIdentityToken</c>).</param>
/// <param name="Provider">The identity provider the service matched the token to.</param>
/// <param name="Audience">The token's audience (client id) as the service accepted it.</param>
internal sealed record WebIdentitySession(
    SigningCredentials Credentials, DateTimeOffset Expiration, string? AssumedRoleArn, string? Subject, string? Provider, string? Audience);

/// <summary>
/// STS <c>AssumeRoleWithWebIdentity</c> as AWS defines it: an unsigned call (the token is the credential) to the STS
/// endpoint — the IamDb broker, or AWS's.
/// </summary>
internal static class WebIdentityExchange
{
    /// <summary>Exchanges <paramref name="token"/> for a session of <paramref name="roleArn"/>.</summary>
    /// <exception cref="AwsServiceException">STS refused (<c>InvalidIdentityToken</c>, <c>AccessDenied</c>, …).</exception>
    /// <exception cref="AwsNetworkException">no usable answer.</exception>
    /// <exception cref="AwsCredentialsException">the answer lacks the credentials.</exception>
    public static async Task<WebIdentitySession> AssumeRoleAsync(
        AwsQueryClient client, Uri endpoint, string region, string roleArn, string sessionName, string token, int? durationSeconds, CancellationToken ct)
    {
        var request = new AwsQueryRequest(endpoint, region, AwsServices.Sts, "AssumeRoleWithWebIdentity", AwsServices.StsVersion)
            .Add("RoleArn", roleArn)
            .Add("RoleSessionName", sessionName)
            .Add("WebIdentityToken", token)
            .Add("DurationSeconds", durationSeconds);
        var response = await client.CallUnsignedAsync(request, ct).ConfigureAwait(false);
        var result = response.Result;
        var keyId = result.Text("Credentials", "AccessKeyId");
        var secret = result.Text("Credentials", "SecretAccessKey");
        var sessionToken = result.Text("Credentials", "SessionToken");
        var expiration = result.Text("Credentials", "Expiration");
        if (keyId is null || secret is null || sessionToken is null || expiration is null
            || !DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires))
        {
            throw new AwsCredentialsException($"AssumeRoleWithWebIdentity at {endpoint.GetLeftPart(UriPartial.Authority)} answered without complete credentials.");
        }

        return new WebIdentitySession(
            new SigningCredentials(keyId, secret, sessionToken),
            expires,
            result.Text("AssumedRoleUser", "Arn"),
            result.Text("SubjectFromWebIdentityToken"),
            result.Text("Provider"),
            result.Text("Audience"));
    }

    /// <summary>
    /// The STS endpoint: the one given, else <c>AWS_ENDPOINT_URL_STS</c>, else <c>AWS_ENDPOINT_URL</c>, else AWS's for
    /// <paramref name="region"/>.
    /// </summary>
    public static Uri Endpoint(Uri? given, string region)
    {
        if (given is not null)
        {
            return given;
        }

        foreach (var variable in (ReadOnlySpan<string>)["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text)
            {
                return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? uri
                    : throw new AwsCredentialsException($"{variable} must be an http:// or https:// URL, not '{text}'.");
            }
        }

        return AwsServices.DefaultEndpoint(AwsServices.Sts, region);
    }

    /// <summary><c>AWS_REGION</c>, else <c>AWS_DEFAULT_REGION</c>, else <c>us-east-1</c>.</summary>
    public static string Region(string? given) =>
        given
        ?? (Environment.GetEnvironmentVariable("AWS_REGION") is { Length: > 0 } region ? region : null)
        ?? (Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") is { Length: > 0 } fallback ? fallback : null)
        ?? "us-east-1";

    /// <summary>A role session name when none is configured, as the AWS SDKs make one (unique per process and time).</summary>
    public static string GeneratedSessionName(TimeProvider time) =>
        "iamdb-" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
