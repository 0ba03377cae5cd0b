namespace IamDb.Aws.Query;

/// <summary>
/// Bounds applied while decoding a form body or query string. The body size itself is the caller's job
/// (it knows the transport); these limits bound the work and memory one accepted body can cause.
/// </summary>
internal sealed record QueryDecodingLimits
{
    /// <summary>The defaults: 1,000 parameters, keys of 256 characters, values of 256 KiB characters.</summary>
    public static QueryDecodingLimits Default { get; } = new();

    /// <summary>The most parameters (repeats included) a request may carry.</summary>
    /// <value>The default value is 1,000.</value>
    public int MaxParameters { get; init; } = 1000;

    /// <summary>The longest decoded key, in UTF-16 characters.</summary>
    /// <value>The default value is 256.</value>
    public int MaxKeyLength { get; init; } = 256;

    /// <summary>The longest decoded value, in UTF-16 characters (IAM policy documents go up to 131,072).</summary>
    /// <value>The default value is 262,144.</value>
    public int MaxValueLength { get; init; } = 256 * 1024;
}
