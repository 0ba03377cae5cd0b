using System.CommandLine;

namespace IamDb.Cli.Output;

/// <summary>How a command prints its result.</summary>
internal enum OutputFormat
{
    /// <summary>Human-readable tables and sentences (the default).</summary>
    Table,

    /// <summary>Stable JSON on stdout for scripts.</summary>
    Json,
}

/// <summary>Options every iamdb command accepts (recursive: they may appear after any subcommand).</summary>
internal static class GlobalOptions
{
    public static readonly Option<OutputFormat> OutputOption = new("--output", "-o")
    {
        Description = "Output format: table (for people) or json (stable, for scripts).",
        HelpName = "table|json",
        DefaultValueFactory = _ => OutputFormat.Table,
        Recursive = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            switch (text.Trim().ToLowerInvariant())
            {
                case "table":
                    return OutputFormat.Table;
                case "json":
                    return OutputFormat.Json;
                default:
                    result.AddError($"--output '{text}' is not table or json.");
                    return OutputFormat.Table;
            }
        },
    };

    public static readonly Option<string?> EndpointUrlOption = new("--endpoint-url")
    {
        Description = "The broker (or AWS) endpoint, e.g. http://127.0.0.1:5600. Default: from --env, AWS_ENDPOINT_URL or the local data directory.",
        Recursive = true,
    };

    public static readonly Option<string?> RegionOption = new("--region")
    {
        Description = "AWS region to sign requests for. Default: from --env, AWS_REGION or the profile.",
        Recursive = true,
    };

    public static readonly Option<string?> ProfileOption = new("--profile")
    {
        Description = "AWS profile for credentials. Default: from --env, AWS_PROFILE, or profile iamdb of the local data directory.",
        Recursive = true,
    };

    public static readonly Option<string?> CaBundleOption = new("--ca-bundle")
    {
        Description = "A PEM file of CAs to trust for the broker's HTTPS (its ca.pem), in addition to the system's. "
                      + "Default: from --env, AWS_CA_BUNDLE, or ca_bundle of the AWS profile. Certificates and host names are always checked.",
        HelpName = "FILE",
        Recursive = true,
    };

    public static readonly Option<bool> NoColorOption = new("--no-color")
    {
        Description = "Plain text without colors (also when NO_COLOR is set or output is not a terminal).",
        Recursive = true,
    };

    public static readonly Option<string?> EnvOption = new("--env")
    {
        Description = "Use a saved environment (see `iamdb env list`) for the endpoint, region, profile and cluster.",
        Recursive = true,
    };

    /// <summary>All global options, in the order help lists them.</summary>
    public static IReadOnlyList<Option> All { get; } =
        [OutputOption, EndpointUrlOption, RegionOption, ProfileOption, CaBundleOption, EnvOption, NoColorOption];
}
