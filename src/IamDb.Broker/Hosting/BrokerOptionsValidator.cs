using System.Text.RegularExpressions;

namespace IamDb.Broker.Hosting;

/// <summary>One rule per check; every broken rule is reported (not just the first).</summary>
internal static partial class BrokerOptionsValidator
{
    public static IReadOnlyList<string> Validate(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateUrls(options, errors);
        if (options.SamlAudience is { } samlAudience
            && (samlAudience.Length > 1024 || samlAudience.Trim() != samlAudience || !Uri.TryCreate(samlAudience, UriKind.Absolute, out _)))
        {
            errors.Add($"federation.saml_audience `{samlAudience}`: must be an absolute URI (at most 1024 characters, no surrounding spaces) such as "
                       + "`https://broker.example/saml` or `urn:iamdb:broker`, exactly as the identity provider's app sends it as Audience and Recipient");
        }
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("data directory: must not be empty");
        }

        if (options.AccountId is { } account && !AccountIdPattern().IsMatch(account))
        {
            errors.Add($"account id `{account}`: must be 12 digits");
        }

        if (!RegionPattern().IsMatch(options.Region ?? string.Empty))
        {
            errors.Add($"region `{options.Region}`: must look like `us-east-1`");
        }

        if (options.Store == StoreKind.Postgres && string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            errors.Add("store postgres: a connection string is required (store.connection_string = \"Host=H;Database=D;Username=U\", with store.password_env for the password)");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"max request body: {options.MaxRequestBodyBytes} bytes is outside 1 KiB..64 MiB");
        }

        if (!(options.ThrottleRatePerSecond > 0) || double.IsInfinity(options.ThrottleRatePerSecond))
        {
            errors.Add("throttling rate: must be a positive number of requests per second");
        }

        if (options.ThrottleBurst < 1)
        {
            errors.Add("throttling burst: must be at least 1");
        }

        if (options.FailedAuthenticationBurst < 1)
        {
            errors.Add("failed authentication burst: must be at least 1");
        }

        if (!(options.FailedAuthenticationRatePerSecond > 0) || double.IsInfinity(options.FailedAuthenticationRatePerSecond))
        {
            errors.Add("failed authentication rate: must be a positive number per second");
        }

        if (options.CredentialCacheTtl < TimeSpan.Zero || options.CredentialCacheTtl > TimeSpan.FromMinutes(5))
        {
            errors.Add("credential cache TTL: must be between 0 and 5 minutes");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add("shutdown timeout: must be positive");
        }

        if (options.MaxCredentialDurationSeconds is < 900 or > 43_200)
        {
            errors.Add($"max credential duration: {options.MaxCredentialDurationSeconds} seconds is outside 900..43200");
        }

        if (options.ReaperInterval < TimeSpan.FromSeconds(1) || options.ReaperInterval > TimeSpan.FromHours(1))
        {
            errors.Add("reaper interval: must be between 1 second and 1 hour");
        }

        if (options.MaxSessionAge is { } age && age < TimeSpan.FromMinutes(1))
        {
            errors.Add("max session age: must be at least 1 minute (or unset to never cut sessions short)");
        }

        if (options.TlsCertificatePath is { } cert && !File.Exists(cert))
        {
            errors.Add($"TLS certificate `{cert}`: file not found");
        }

        if (options.TlsCertificatePath is not null && options.GenerateTlsCertificate)
        {
            errors.Add("TLS: choose either a certificate file or a generated certificate, not both");
        }

        var wantsHttps = options.Urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (wantsHttps && options.TlsCertificatePath is null && !options.GenerateTlsCertificate)
        {
            errors.Add("TLS: an https URL needs a certificate (tls certificate path, or --tls for a generated one)");
        }

        return errors;
    }

    private static void ValidateUrls(BrokerOptions options, List<string> errors)
    {
        if (options.Urls.Count == 0)
        {
            errors.Add("urls: at least one listen URL is required");
        }

        foreach (var url in options.Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/")
            {
                errors.Add($"url `{url}`: must be http://HOST:PORT or https://HOST:PORT");
            }
            else if (!options.AllowPlainHttp && IsPlainHttpOffLoopback(url))
            {
                errors.Add(
                    $"url `{url}`: plain HTTP on an address other than loopback would send signed requests and the secrets in their "
                    + "answers unencrypted; serve https (--tls, or a certificate) or, behind a TLS-terminating proxy, pass --allow-plain-http "
                    + "(allow_plain_http = true in the config file)");
            }
        }
    }

    /// <summary>True for a valid <c>http://</c> URL whose host is not loopback.</summary>
    internal static bool IsPlainHttpOffLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == "http" && !IsLoopbackHost(uri.Host);

    /// <summary>True for <c>localhost</c> and loopback IP literals; wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) are not.</summary>
    internal static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();
}
