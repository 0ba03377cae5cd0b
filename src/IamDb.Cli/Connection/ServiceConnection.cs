using System.CommandLine;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;
using IamDb.Client.Credentials;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Client.Tls;

namespace IamDb.Cli.Connection;

/// <summary>
/// Where a command sends its signed requests and with which credentials, decided once per invocation:
/// <list type="number">
/// <item>the endpoint: <c>--endpoint-url</c>, the <c>--env</c> environment's, <c>AWS_ENDPOINT_URL</c>, else — when
/// neither <c>--env</c> nor <c>--region</c> points at AWS — the broker that <c>iamdb up</c> recorded in the local data
/// directory, else AWS's public endpoints;</item>
/// <item>the region: <c>--region</c>, the environment's, <c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c>, the local data
/// directory's config, else <c>us-east-1</c>;</item>
/// <item>the credentials: for an environment with an identity provider (<c>iamdb login</c>) and no profile, the login
/// session cached for it; else <c>--profile</c> (or the environment's), AWS's environment variables (web identity's
/// <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> + <c>AWS_ROLE_ARN</c> exchanged at this broker) and default chain, or
/// for a local broker its root profile <c>iamdb</c> in <c>DATA/credentials</c>; when the shared credentials file in effect
/// (<c>AWS_SHARED_CREDENTIALS_FILE</c>, e.g. the one the broker generated) has profile <c>iamdb</c> and no <c>default</c>,
/// that profile;</item>
/// <item>the CAs trusted for HTTPS besides the system's: <c>--ca-bundle</c>, the environment's <c>ca_bundle</c>,
/// <c>AWS_CA_BUNDLE</c>, else the profile's <c>ca_bundle</c> in the AWS config file.</item>
/// </list>
/// </summary>
internal sealed class ServiceConnection : IDisposable
{
    private ServiceConnection(Uri? endpoint, string region, AwsCredentialSource credentials, CliEnvironment? environment, string describe, CaBundle? caBundle)
    {
        Endpoint = endpoint;
        Region = region;
        Environment = environment;
        Description = describe;
        Query = new AwsQueryClient(credentials, new AwsQueryClientOptions { UserAgent = "iamdb-cli/1.0", CaBundle = caBundle, UseAwsCaBundleSettings = false });
    }

    /// <summary>The broker endpoint (every service), or null for AWS's public endpoints.</summary>
    public Uri? Endpoint { get; }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <summary>The environment selected with <c>--env</c>, if any.</summary>
    public CliEnvironment? Environment { get; }

    /// <summary>Where requests go, for messages.</summary>
    public string Description { get; }

    /// <summary>The signed Query client.</summary>
    public AwsQueryClient Query { get; }

    /// <summary>A Redshift client on this connection.</summary>
    public RedshiftClient Redshift => new(Query, Region, Endpoint);

    /// <summary>Resolves the connection for a parsed command line.</summary>
    public static ServiceConnection Open(ParseResult parseResult) => Open(parseResult, SelectedEnvironment(parseResult));

    /// <summary>Resolves the connection for a parsed command line with <paramref name="environment"/> as the selected one.</summary>
    public static ServiceConnection Open(ParseResult parseResult, CliEnvironment? environment)
    {
        var explicitRegion = parseResult.GetValue(GlobalOptions.RegionOption);
        var dataDir = LocalBroker.DataDirectory();
        string? endpointText = parseResult.GetValue(GlobalOptions.EndpointUrlOption)
            ?? environment?.EndpointUrl
            ?? NonEmpty(System.Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));
        var local = false;
        if (endpointText is null && environment is null && explicitRegion is null)
        {
            endpointText = LocalBroker.ReadEndpoint(dataDir);
            local = endpointText is not null;
            if (!local)
            {
                throw new CliUsageException(
                    $"no broker to talk to: none is running on {dataDir} (start one with `iamdb up`), and no --endpoint-url, --env or --region (for AWS) was given.");
            }
        }

        Uri? endpoint = null;
        if (endpointText is not null && (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw new CliUsageException($"the endpoint must be an http:// or https:// URL, not '{endpointText}'.");
        }

        var region = explicitRegion
            ?? environment?.Region
            ?? NonEmpty(System.Environment.GetEnvironmentVariable("AWS_REGION"))
            ?? NonEmpty(System.Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"))
            ?? (endpoint is not null ? LocalRegion(dataDir) : null)
            ?? "us-east-1";

        var profile = parseResult.GetValue(GlobalOptions.ProfileOption) ?? environment?.Profile;
        // Web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN) is configured credentials, as in AWS's chain: it wins
        // over the local broker's root profile, as AWS_ACCESS_KEY_ID and AWS_PROFILE do.
        var webIdentity = profile is null
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_PROFILE"))
            ? WebIdentityCredentials.SettingsFromEnvironment()
            : null;
        var localCredentials = Path.Combine(dataDir, "credentials");
        var useLocalFile = File.Exists(localCredentials)
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"))
            && (profile == LocalBroker.ProfileName
                || (profile is null && endpoint is not null && !AwsServices.IsAwsEndpoint(endpoint) && webIdentity is null
                    && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
                    && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_PROFILE"))));
        if (!useLocalFile && profile is null && webIdentity is null && GeneratedProfileInEffect())
        {
            profile = LocalBroker.ProfileName;
        }

        var caBundle = ResolveCaBundle(parseResult, environment, useLocalFile ? null : profile);
        var localCa = Path.Combine(dataDir, "tls", "ca.pem");
        if (caBundle is null && local && endpoint!.Scheme == Uri.UriSchemeHttps && File.Exists(localCa))
        {
            // The broker `iamdb up --tls` runs from this user's own data directory: its generated CA is the one to trust.
            caBundle = LoadBundle(localCa, "the local broker's data directory");
        }

        AwsCredentialSource credentials;
        try
        {
            credentials = parseResult.GetValue(GlobalOptions.ProfileOption) is null && environment is { UsesLogin: true, Profile: null }
                ? LoginCredentials(environment)
                : useLocalFile
                ? AwsCredentialSource.FromProfile(profile ?? LocalBroker.ProfileName, localCredentials)
                : profile is not null ? AwsCredentialSource.FromProfile(profile)
                : webIdentity is not null ? WebIdentityAtBroker(webIdentity, endpoint, region, caBundle)
                : AwsCredentialSource.Default();
        }
        catch (AwsCredentialsException ex)
        {
            throw new CliException(ex.Message);
        }

        var describe = endpoint is null ? $"AWS ({region})" : endpoint.GetLeftPart(UriPartial.Authority);
        return new ServiceConnection(endpoint, region, credentials, environment, describe, caBundle);
    }

    /// <summary>
    /// The role session <c>iamdb login</c> cached for <paramref name="environment"/> (an environment with an identity
    /// provider and no profile signs in that way only), or a message saying to log in.
    /// </summary>
    private static AwsCredentialSource LoginCredentials(CliEnvironment environment)
    {
        var session = Commands.Login.LoginSessionCache.Find(Commands.Login.LoginSessionCache.DefaultPath(), environment, DateTimeOffset.UtcNow)
            ?? throw new CliException($"no valid login session for environment {environment.Name} (none yet, expired, or logged out): run `iamdb login {environment.Name}` first.");
        return AwsCredentialSource.Explicit(session.AccessKeyId, session.SecretAccessKey, session.SessionToken);
    }

    /// <summary>
    /// Web identity whose <c>AssumeRoleWithWebIdentity</c> goes to the broker this command talks to (unless
    /// <c>AWS_ENDPOINT_URL_STS</c> names another STS), trusting the same CAs; the token file is read at every refresh.
    /// </summary>
    private static WebIdentityCredentialSource WebIdentityAtBroker(WebIdentitySettings settings, Uri? endpoint, string region, CaBundle? caBundle) =>
        new WebIdentityCredentialSource(
            settings with
            {
                StsEndpoint = NonEmpty(System.Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_STS")) is null ? endpoint : null,
                Region = region,
            },
            new AwsQueryClientOptions { UserAgent = "iamdb-cli/1.0", CaBundle = caBundle, UseAwsCaBundleSettings = false });

    /// <summary>A connection to one broker endpoint with explicit credentials (the demo, tests).</summary>
    public static ServiceConnection ForEndpoint(Uri endpoint, string region, AwsCredentialSource credentials, CaBundle? caBundle = null) =>
        new(endpoint, region, credentials, null, endpoint.GetLeftPart(UriPartial.Authority), caBundle);

    /// <summary>
    /// The full path of a CA bundle to save with an environment (<c>env add --ca-bundle</c>), checked now so a typo is an
    /// error at once rather than at the first TLS call; null when none was given.
    /// </summary>
    public static string? SavedCaBundle(string? path)
    {
        if (path is null)
        {
            return null;
        }

        return LoadBundle(path, "--ca-bundle").Path;
    }

    /// <summary>The CAs to trust besides the system's, as the aws CLI picks them (with a saved environment's after --ca-bundle).</summary>
    internal static CaBundle? ResolveCaBundle(ParseResult parseResult, CliEnvironment? environment, string? profile)
    {
        if (parseResult.GetValue(GlobalOptions.CaBundleOption) is { } explicitPath)
        {
            return LoadBundle(explicitPath, "--ca-bundle");
        }

        if (environment?.CaBundle is { } saved)
        {
            return LoadBundle(saved, $"ca_bundle of environment {environment.Name}");
        }

        try
        {
            return CaBundle.Resolve(profile: profile);
        }
        catch (CaBundleException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    private static CaBundle LoadBundle(string path, string origin)
    {
        try
        {
            return CaBundle.Load(path, origin);
        }
        catch (CaBundleException ex)
        {
            throw new CliException(ex.Message);
        }
    }

    /// <summary>
    /// True when nothing names a profile or keys and the shared credentials file in effect — typically the broker's
    /// generated <c>DATA/credentials</c> exported as <c>AWS_SHARED_CREDENTIALS_FILE</c> — holds profile <c>iamdb</c> but no
    /// <c>default</c>. Files generated since the broker writes <c>[default]</c> too are found by the default chain anyway;
    /// this keeps older data directories working the same way.
    /// </summary>
    private static bool GeneratedProfileInEffect()
    {
        if (!string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"))
            || !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("AWS_PROFILE")))
        {
            return false;
        }

        var file = NonEmpty(System.Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"));
        if (file is null)
        {
            return false;
        }

        var profiles = ProfilesIn(file);
        return profiles.Contains(LocalBroker.ProfileName) && !profiles.Contains("default");
    }

    // The profile names an AWS credentials or config file declares (`[name]` or `[profile name]`).
    private static List<string> ProfilesIn(string path)
    {
        var names = new List<string>();
        if (!File.Exists(path))
        {
            return names;
        }

        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length > 2 && line[0] == '[' && line[^1] == ']')
            {
                var name = line[1..^1].Trim();
                names.Add(name.StartsWith("profile ", StringComparison.Ordinal) ? name["profile ".Length..].Trim() : name);
            }
        }

        return names;
    }

    /// <summary>The environment named by <c>--env</c>, or null.</summary>
    public static CliEnvironment? SelectedEnvironment(ParseResult parseResult) =>
        parseResult.GetValue(GlobalOptions.EnvOption) is { } name ? CliConfigFile.Find(CliConfigFile.DefaultPath(), name) : null;

    /// <summary>A request for any action of <paramref name="service"/> (iam, sts, redshift).</summary>
    public AwsQueryRequest Request(string service, string action) =>
        new(Endpoint ?? AwsServices.DefaultEndpoint(service, Region), Region, service, action, AwsServices.VersionOf(service));

    /// <summary>Sends a request.</summary>
    public Task<AwsQueryResponse> CallAsync(AwsQueryRequest request, CancellationToken ct) => Query.CallAsync(request, ct);

    public void Dispose() => Query.Dispose();

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? LocalRegion(string dataDir)
    {
        var config = Path.Combine(dataDir, "config");
        if (!File.Exists(config))
        {
            return null;
        }

        foreach (var line in File.ReadLines(config))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] == "region" && parts[1].Length > 0)
            {
                return parts[1];
            }
        }

        return null;
    }
}
