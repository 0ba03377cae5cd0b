using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Client.Tls;

/// <summary>
/// Extra certificate authorities an IamDb client trusts for the broker's HTTPS endpoint — a PEM file, as the AWS tools
/// take it (<c>--ca-bundle</c>, <c>AWS_CA_BUNDLE</c>, a profile's <c>ca_bundle</c>). The bundle adds trust for this client
/// only: the system's roots stay trusted, certificate validation and the host-name check stay on.
/// </summary>
public sealed class CaBundle
{
    /// <summary>The environment variable the AWS tools read a CA bundle path from.</summary>
    public const string EnvironmentVariable = "AWS_CA_BUNDLE";

    private CaBundle(string path, X509Certificate2Collection certificates, string origin)
    {
        Path = path;
        Certificates = certificates;
        Origin = origin;
    }

    /// <summary>The PEM file's full path.</summary>
    public string Path { get; }

    /// <summary>Where the path came from, for messages: <c>--ca-bundle</c>, <c>AWS_CA_BUNDLE</c>, <c>profile NAME</c>….</summary>
    public string Origin { get; }

    /// <summary>The certificates of the file (at least one).</summary>
    public X509Certificate2Collection Certificates { get; }

    /// <summary>Reads the PEM certificates of <paramref name="path"/>.</summary>
    /// <param name="path">A PEM file with one or more <c>CERTIFICATE</c> blocks.</param>
    /// <param name="origin">Where the path came from, named in error messages.</param>
    /// <exception cref="CaBundleException">the file is missing, unreadable or holds no certificate; the message names it.</exception>
    public static CaBundle Load(string path, string origin = "CA bundle")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(ExpandHome(path));
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : e.Message;
            throw new CaBundleException(full, $"the CA bundle {full} (from {origin}) cannot be read: {why}", e);
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new CaBundleException(full, $"the CA bundle {full} (from {origin}) is not a PEM certificate file: {e.Message}", e);
        }

        if (certificates.Count == 0)
        {
            throw new CaBundleException(
                full, $"the CA bundle {full} (from {origin}) holds no certificate: it must contain '-----BEGIN CERTIFICATE-----' blocks (the broker's ca.pem)");
        }

        return new CaBundle(full, certificates, origin);
    }

    /// <summary>
    /// The bundle the AWS tools would use: <paramref name="explicitPath"/> (named <paramref name="explicitOrigin"/>), else
    /// <c>AWS_CA_BUNDLE</c>, else the <c>ca_bundle</c> of <paramref name="profile"/> (default: <c>AWS_PROFILE</c>, else
    /// <c>default</c>) in the AWS config file (<c>AWS_CONFIG_FILE</c>, else <c>~/.aws/config</c>); null when none is set.
    /// </summary>
    /// <exception cref="CaBundleException">a bundle is named but cannot be used.</exception>
    public static CaBundle? Resolve(string? explicitPath = null, string explicitOrigin = "--ca-bundle", string? profile = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Load(explicitPath, explicitOrigin);
        }

        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return Load(fromEnvironment, EnvironmentVariable);
        }

        profile ??= Environment.GetEnvironmentVariable("AWS_PROFILE") is { Length: > 0 } named ? named : "default";
        var configFile = AwsConfigFile.Path();
        return AwsConfigFile.ProfileValue(configFile, profile, "ca_bundle") is { Length: > 0 } fromProfile
            ? Load(fromProfile, $"ca_bundle of profile {profile} in {configFile}")
            : null;
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}

/// <summary>A CA bundle that was named but cannot be used (missing, unreadable, not PEM). Never ignored silently.</summary>
public sealed class CaBundleException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CaBundleException(string path, string message, Exception? innerException = null)
        : base(message, innerException) =>
        BundlePath = path;

    /// <summary>Creates the exception.</summary>
    public CaBundleException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CaBundleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CaBundleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The bundle file's path.</summary>
    public string? BundlePath { get; }
}
