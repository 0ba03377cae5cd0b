using System.Diagnostics.CodeAnalysis;

namespace IamDb.Aws.Arns;

/// <summary>
/// An Amazon Resource Name, <c>arn:partition:service:region:account:resource</c>. The resource part may itself
/// contain <c>:</c> and <c>/</c>. Instances are always valid: build them with <see cref="TryParse"/>,
/// <see cref="Parse"/> or the factories (<see cref="IamUser"/>, <see cref="RedshiftDbUser"/>, …), and read typed parts
/// with <c>TryGet…</c>. Equality is ordinal on all five parts.
/// </summary>
internal sealed partial record Arn
{
    /// <summary>The longest ARN accepted (IAM's <c>arnType</c> maximum).</summary>
    public const int MaxLength = 2048;

    /// <summary>The account segment of AWS managed policies (<c>arn:aws:iam::aws:policy/…</c>).</summary>
    public const string AwsManagedAccount = "aws";

    private Arn(string partition, string service, string region, string account, string resource)
    {
        Partition = partition;
        Service = service;
        Region = region;
        Account = account;
        Resource = resource;
    }

    /// <summary><c>aws</c>, <c>aws-cn</c> or <c>aws-us-gov</c>.</summary>
    public string Partition { get; }

    /// <summary>The service namespace, e.g. <c>iam</c>, <c>sts</c>, <c>redshift</c>.</summary>
    public string Service { get; }

    /// <summary>The region, empty for global services (IAM, STS).</summary>
    public string Region { get; }

    /// <summary>The 12-digit account, <c>aws</c> for AWS managed policies, or empty for some services.</summary>
    public string Account { get; }

    /// <summary>Everything after the fifth colon, e.g. <c>user/division/alice</c> or <c>dbuser:prod/adam</c>.</summary>
    public string Resource { get; }

    /// <summary>The ARN text.</summary>
    public override string ToString() => $"arn:{Partition}:{Service}:{Region}:{Account}:{Resource}";

    /// <summary>Parses <paramref name="text"/>, or explains in <paramref name="error"/> why it is not an ARN.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Arn? arn, [NotNullWhen(false)] out string? error)
    {
        arn = null;
        error = Check(text, out var parts);
        if (error is not null)
        {
            return false;
        }

        arn = new Arn(parts[0], parts[1], parts[2], parts[3], parts[4]);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> when it is not an ARN.</summary>
    public static Arn Parse(string text) =>
        TryParse(text, out var arn, out var error) ? arn : throw new FormatException($"Invalid ARN: {error}");

    private static string? Check(string? text, out string[] parts)
    {
        parts = [];
        if (string.IsNullOrEmpty(text))
        {
            return "an ARN must not be empty";
        }

        if (text.Length > MaxLength)
        {
            return $"an ARN must be at most {MaxLength} characters long";
        }

        if (!text.StartsWith("arn:", StringComparison.Ordinal))
        {
            return "an ARN must begin with 'arn:'";
        }

        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                return "an ARN must not contain control characters";
            }
        }

        var split = text.Split(':', 6);
        if (split.Length < 6)
        {
            return "an ARN must have six colon-separated parts: arn:partition:service:region:account:resource";
        }

        parts = split[1..];
        return CheckPartition(parts[0]) ?? CheckService(parts[1]) ?? CheckRegion(parts[2]) ?? CheckAccount(parts[3])
            ?? (parts[4].Length == 0 ? "the resource part of an ARN must not be empty" : null);
    }

    private static string? CheckPartition(string partition) =>
        AwsPartitions.IsKnown(partition) ? null : $"the partition '{partition}' is not aws, aws-cn or aws-us-gov";

    private static string? CheckService(string service) =>
        service.Length > 0 && IsLowerAlnumDash(service) ? null : $"the service '{service}' is not a service namespace";

    private static string? CheckRegion(string region) =>
        region.Length == 0 || IsLowerAlnumDash(region) ? null : $"the region '{region}' is not a region name";

    private static string? CheckAccount(string account) =>
        account.Length == 0 || account == AwsManagedAccount || IsAccountId(account)
            ? null
            : $"the account '{account}' is not a 12-digit account id";

    /// <summary>True when <paramref name="account"/> is exactly 12 ASCII digits.</summary>
    public static bool IsAccountId(string? account)
    {
        if (account is not { Length: 12 })
        {
            return false;
        }

        foreach (var c in account)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerAlnumDash(string s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
