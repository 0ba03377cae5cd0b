using IamDb.Aws.Signing;
using IamDb.Client.Query;
using IamDb.Client.Tls;

namespace IamDb.Client.Credentials;

/// <summary>
/// Web-identity credentials the AWS way: a role session from <c>AssumeRoleWithWebIdentity</c> with the token in a file
/// (a Kubernetes projected service-account token, a CI system's OIDC token). The file is read again at every refresh,
/// so a token that the platform rotates is picked up. The STS endpoint is <c>AWS_ENDPOINT_URL_STS</c>, else
/// <c>AWS_ENDPOINT_URL</c> (the IamDb broker), else AWS's.
/// </summary>
public static class WebIdentityCredentials
{
    /// <summary>
    /// The source configured by <c>AWS_WEB_IDENTITY_TOKEN_FILE</c>, <c>AWS_ROLE_ARN</c> and <c>AWS_ROLE_SESSION_NAME</c>,
    /// or null when the first two are not both set.
    /// </summary>
    public static AwsCredentialSource? FromEnvironment() =>
        SettingsFromEnvironment() is { } settings ? new WebIdentityCredentialSource(settings, null) : null;

    /// <summary>
    /// The settings of <c>AWS_WEB_IDENTITY_TOKEN_FILE</c>, <c>AWS_ROLE_ARN</c> and <c>AWS_ROLE_SESSION_NAME</c> (no STS
    /// endpoint: a caller that knows its broker sets it), or null when the first two are not both set.
    /// </summary>
    internal static WebIdentitySettings? SettingsFromEnvironment()
    {
        var file = Environment.GetEnvironmentVariable("AWS_WEB_IDENTITY_TOKEN_FILE");
        var role = Environment.GetEnvironmentVariable("AWS_ROLE_ARN");
        if (string.IsNullOrEmpty(file) || string.IsNullOrEmpty(role))
        {
            return null;
        }

        var session = Environment.GetEnvironmentVariable("AWS_ROLE_SESSION_NAME");
        return new WebIdentitySettings(role, Path.GetFullPath(file), string.IsNullOrEmpty(session) ? null : session, null, null, null);
    }

    /// <summary>A session of <paramref name="roleArn"/> for the token in <paramref name="tokenFile"/>.</summary>
    /// <param name="roleArn">The role to assume.</param>
    /// <param name="tokenFile">The file holding the token (read at every refresh).</param>
    /// <param name="sessionName">The role session name; default <c>iamdb-</c> and the time in milliseconds.</param>
    /// <param name="stsEndpoint">The STS endpoint; default as the class describes.</param>
    /// <param name="region">The region; default <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, else <c>us-east-1</c>.</param>
    /// <param name="durationSeconds">The session's lifetime; default the role's (the service decides).</param>
    public static AwsCredentialSource FromTokenFile(
        string roleArn, string tokenFile, string? sessionName = null, Uri? stsEndpoint = null, string? region = null, int? durationSeconds = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleArn);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenFile);
        return new WebIdentityCredentialSource(
            new WebIdentitySettings(roleArn, Path.GetFullPath(tokenFile), sessionName, stsEndpoint, region, durationSeconds), null);
    }

    /// <summary>
    /// The profile's web-identity settings (<c>web_identity_token_file</c>, <c>role_arn</c>, <c>role_session_name</c>,
    /// <c>endpoint_url</c>, <c>region</c>, <c>duration_seconds</c> in the AWS config file), or null when it has none.
    /// </summary>
    internal static WebIdentitySettings? FromProfile(string profile)
    {
        var config = AwsConfigFile.Path();
        var file = AwsConfigFile.ProfileValue(config, profile, "web_identity_token_file");
        var role = AwsConfigFile.ProfileValue(config, profile, "role_arn");
        if (string.IsNullOrEmpty(file) || string.IsNullOrEmpty(role)
            || AwsConfigFile.ProfileValue(config, profile, "source_profile") is not null)
        {
            return null;
        }

        var endpoint = AwsConfigFile.ProfileValue(config, profile, "endpoint_url");
        Uri? stsEndpoint = null;
        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out stsEndpoint) || stsEndpoint.Scheme is not ("http" or "https")))
        {
            throw new AwsCredentialsException($"AWS profile '{profile}': endpoint_url must be an http:// or https:// URL, not '{endpoint}'.");
        }

        int? duration = int.TryParse(AwsConfigFile.ProfileValue(config, profile, "duration_seconds"), out var seconds) ? seconds : null;
        return new WebIdentitySettings(
            role,
            Path.GetFullPath(Environment.ExpandEnvironmentVariables(file.StartsWith('~') ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), file[1..].TrimStart('/')) : file)),
            AwsConfigFile.ProfileValue(config, profile, "role_session_name"),
            stsEndpoint,
            AwsConfigFile.ProfileValue(config, profile, "region"),
            duration);
    }
}

/// <summary>Where a web-identity session comes from.</summary>
internal sealed record WebIdentitySettings(
    string RoleArn, string TokenFile, string? SessionName, Uri? StsEndpoint, string? Region, int? DurationSeconds);

/// <summary>
/// The web-identity credential source: one <c>AssumeRoleWithWebIdentity</c> at a time (concurrent callers share it),
/// again five minutes before the session expires, each time with the token file as it is then.
/// </summary>
internal sealed class WebIdentityCredentialSource : AwsCredentialSource, IDisposable
{
    /// <summary>How long before expiry a session is replaced.</summary>
    internal static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    private const int MaxTokenBytes = 64 * 1024;
    private readonly WebIdentitySettings _settings;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly Lazy<AwsQueryClient> _client;
    private WebIdentitySession? _session;

    internal WebIdentityCredentialSource(WebIdentitySettings settings, AwsQueryClientOptions? options, string? profileName = null)
        : base("web-identity:" + settings.RoleArn + (profileName is null ? string.Empty : "@profile:" + profileName))
    {
        _settings = settings;
        _time = options?.Time ?? TimeProvider.System;
        var clientOptions = options ?? new AwsQueryClientOptions();
        // The client's own HTTPS trust (AWS_CA_BUNDLE, the profile's ca_bundle) applies to the STS call too.
        _client = new Lazy<AwsQueryClient>(() => new AwsQueryClient(this, clientOptions));
        Region = WebIdentityExchange.Region(settings.Region);
        SessionName = settings.SessionName ?? WebIdentityExchange.GeneratedSessionName(_time);
    }

    /// <summary>The region of the STS call.</summary>
    public string Region { get; }

    /// <summary>The role session name sent.</summary>
    public string SessionName { get; }

    /// <summary>The settings this source was made with.</summary>
    internal WebIdentitySettings Settings => _settings;

    /// <summary>The current session (null before the first call), for tests and diagnostics.</summary>
    internal WebIdentitySession? Current => Volatile.Read(ref _session);

    /// <summary>How many <c>AssumeRoleWithWebIdentity</c> calls succeeded.</summary>
    internal int Exchanges { get; private set; }

    internal override async ValueTask<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken)
    {
        var session = Volatile.Read(ref _session);
        if (session is not null && _time.GetUtcNow() < session.Expiration - RefreshAhead)
        {
            return session.Credentials;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            session = Volatile.Read(ref _session);
            if (session is not null && _time.GetUtcNow() < session.Expiration - RefreshAhead)
            {
                return session.Credentials;
            }

            session = await ExchangeAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _session, session);
            Exchanges++;
            return session.Credentials;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }

        _refresh.Dispose();
    }

    private async Task<WebIdentitySession> ExchangeAsync(CancellationToken ct)
    {
        var token = await ReadTokenAsync(ct).ConfigureAwait(false);
        var endpoint = WebIdentityExchange.Endpoint(_settings.StsEndpoint, Region);
        try
        {
            return await WebIdentityExchange.AssumeRoleAsync(
                _client.Value, endpoint, Region, _settings.RoleArn, SessionName, token, _settings.DurationSeconds, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            // The file is named (never its content) so the operator knows which mounted token to look at.
            var hint = e.Code == "ExpiredTokenException"
                ? $" The token in {_settings.TokenFile} has expired: whatever writes that file (the kubelet's projected volume, the CI job) should have replaced it."
                : string.Empty;
            throw new AwsCredentialsException(
                $"AssumeRoleWithWebIdentity for {_settings.RoleArn} at {endpoint.GetLeftPart(UriPartial.Authority)} with the token in {_settings.TokenFile} was refused: {e.Code}: {e.ErrorMessage}{hint}", e);
        }
        catch (AwsNetworkException e)
        {
            throw new AwsCredentialsException(
                $"AssumeRoleWithWebIdentity for {_settings.RoleArn} at {endpoint.GetLeftPart(UriPartial.Authority)} got no answer: {e.Message}", e);
        }
    }

    // The token as the file holds it now (trimmed): never logged, never part of a message.
    private async Task<string> ReadTokenAsync(CancellationToken ct)
    {
        string text;
        try
        {
            var info = new FileInfo(_settings.TokenFile);
            if (info.Exists && info.Length > MaxTokenBytes)
            {
                throw new AwsCredentialsException($"the web identity token file {_settings.TokenFile} is larger than {MaxTokenBytes} bytes; it should hold one token.");
            }

            text = await File.ReadAllTextAsync(_settings.TokenFile, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AwsCredentialsException($"cannot read the web identity token file {_settings.TokenFile}: {e.Message}", e);
        }

        var token = text.Trim();
        return token.Length > 0 ? token : throw new AwsCredentialsException($"the web identity token file {_settings.TokenFile} is empty.");
    }
}
