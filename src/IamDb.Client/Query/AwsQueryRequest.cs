using System.Globalization;

namespace IamDb.Client.Query;

/// <summary>
/// One AWS Query-protocol call (IAM, STS, Redshift or the IamDb broker's own actions): where to send it, how to sign it
/// and its parameters. Build it fluently: <c>new AwsQueryRequest(endpoint, "us-east-1", "iam", "ListUsers", "2010-05-08").Add("MaxItems", 10)</c>.
/// </summary>
public sealed class AwsQueryRequest
{
    private readonly List<KeyValuePair<string, string>> _parameters = [];

    /// <summary>Creates a request.</summary>
    /// <param name="endpoint">The service endpoint, e.g. <c>https://redshift.us-east-1.amazonaws.com</c> or the broker's URL.</param>
    /// <param name="region">The region written into the SigV4 credential scope.</param>
    /// <param name="service">The SigV4 signing name: <c>iam</c>, <c>sts</c> or <c>redshift</c>.</param>
    /// <param name="action">The action, e.g. <c>GetClusterCredentials</c>.</param>
    /// <param name="version">The API version, e.g. <c>2012-12-01</c> (see <see cref="AwsServices"/>).</param>
    public AwsQueryRequest(Uri endpoint, string region, string service, string action, string version)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The endpoint must be an absolute http(s) URL, not '{endpoint}'.", nameof(endpoint));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Endpoint = endpoint;
        Region = region;
        Service = service;
        Action = action;
        Version = version;
    }

    /// <summary>The endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>The signing region.</summary>
    public string Region { get; }

    /// <summary>The signing name of the service.</summary>
    public string Service { get; }

    /// <summary>The action.</summary>
    public string Action { get; }

    /// <summary>The API version.</summary>
    public string Version { get; }

    /// <summary>The parameters in the order added (without <c>Action</c> and <c>Version</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    /// <summary>Adds a string parameter; a null value is left out.</summary>
    public AwsQueryRequest Add(string name, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (value is not null)
        {
            _parameters.Add(new(name, value));
        }

        return this;
    }

    /// <summary>Adds a boolean parameter as <c>true</c>/<c>false</c>; null is left out.</summary>
    public AwsQueryRequest Add(string name, bool? value) => value is null ? this : Add(name, value.Value ? "true" : "false");

    /// <summary>Adds an integer parameter; null is left out.</summary>
    public AwsQueryRequest Add(string name, long? value) =>
        value is null ? this : Add(name, value.Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Adds a list as <c>Name.Member.1</c>, <c>Name.Member.2</c>…; IAM and STS use the member name <c>member</c>, Redshift the
    /// model's name (<c>DbGroups.DbGroup.N</c>). An empty list is sent as <c>Name=</c>, as botocore does; null is left out.
    /// </summary>
    public AwsQueryRequest AddList(string name, IEnumerable<string>? values, string memberName = "member")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(memberName);
        if (values is null)
        {
            return this;
        }

        var index = 0;
        foreach (var value in values)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(values));
            index++;
            _parameters.Add(new($"{name}.{memberName}.{index.ToString(CultureInfo.InvariantCulture)}", value));
        }

        if (index == 0)
        {
            _parameters.Add(new(name, string.Empty));
        }

        return this;
    }

    /// <summary>
    /// Adds a list of structures as <c>Name.Member.N.Field</c> (e.g. <c>Tags.member.1.Key</c>); an empty list is sent as
    /// <c>Name=</c>; null is left out.
    /// </summary>
    public AwsQueryRequest AddStructList(
        string name, IEnumerable<IReadOnlyList<KeyValuePair<string, string>>>? items, string memberName = "member")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(memberName);
        if (items is null)
        {
            return this;
        }

        var index = 0;
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            index++;
            foreach (var (field, value) in item)
            {
                _parameters.Add(new($"{name}.{memberName}.{index.ToString(CultureInfo.InvariantCulture)}.{field}", value));
            }
        }

        if (index == 0)
        {
            _parameters.Add(new(name, string.Empty));
        }

        return this;
    }
}

/// <summary>Signing names, API versions and default endpoints of the Query services IamDb speaks.</summary>
public static class AwsServices
{
    /// <summary>IAM's signing name.</summary>
    public const string Iam = "iam";

    /// <summary>STS's signing name.</summary>
    public const string Sts = "sts";

    /// <summary>Redshift's signing name (also the IamDb broker's cluster actions).</summary>
    public const string Redshift = "redshift";

    /// <summary>IAM's API version.</summary>
    public const string IamVersion = "2010-05-08";

    /// <summary>STS's API version.</summary>
    public const string StsVersion = "2011-06-15";

    /// <summary>Redshift's API version.</summary>
    public const string RedshiftVersion = "2012-12-01";

    /// <summary>The API version of a signing name (<c>iam</c>, <c>sts</c>, <c>redshift</c>).</summary>
    public static string VersionOf(string service) => service switch
    {
        Iam => IamVersion,
        Sts => StsVersion,
        Redshift => RedshiftVersion,
        _ => throw new ArgumentException($"Unknown Query service '{service}': use iam, sts or redshift.", nameof(service)),
    };

    /// <summary>AWS's public endpoint of <paramref name="service"/> in <paramref name="region"/> (IAM is global).</summary>
    public static Uri DefaultEndpoint(string service, string region)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return service switch
        {
            Iam => new Uri(region.StartsWith("cn-", StringComparison.Ordinal) ? "https://iam.cn-north-1.amazonaws.com.cn" : "https://iam.amazonaws.com"),
            Sts => new Uri($"https://sts.{region}.{suffix}"),
            Redshift => new Uri($"https://redshift.{region}.{suffix}"),
            _ => throw new ArgumentException($"Unknown Query service '{service}': use iam, sts or redshift.", nameof(service)),
        };
    }

    /// <summary>True when <paramref name="endpoint"/> is one of AWS's own hosts (not a broker or other override).</summary>
    public static bool IsAwsEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) ||
               endpoint.Host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase);
    }
}
