namespace IamDb.Aws.Query;

/// <summary>
/// One AWS Query-protocol service IamDb speaks: its SigV4 signing name, API <c>Version</c> and XML namespace
/// (from botocore's <c>service-2.json</c> metadata).
/// </summary>
/// <param name="SigningName">The service name in the SigV4 credential scope, for example <c>iam</c>.</param>
/// <param name="Version">The <c>Version</c> request parameter, for example <c>2010-05-08</c>.</param>
/// <param name="XmlNamespace">The default namespace of every response document.</param>
internal sealed record QueryService(string SigningName, string Version, string XmlNamespace)
{
    /// <summary>IAM's namespace.</summary>
    public const string IamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";

    /// <summary>IAM's API version.</summary>
    public const string IamVersion = "2010-05-08";

    /// <summary>STS's namespace.</summary>
    public const string StsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

    /// <summary>STS's API version.</summary>
    public const string StsVersion = "2011-06-15";

    /// <summary>Redshift's namespace (plain http, as AWS serves it).</summary>
    public const string RedshiftNamespace = "http://redshift.amazonaws.com/doc/2012-12-01/";

    /// <summary>Redshift's API version.</summary>
    public const string RedshiftVersion = "2012-12-01";

    /// <summary>AWS Identity and Access Management.</summary>
    public static QueryService Iam { get; } = new("iam", IamVersion, IamNamespace);

    /// <summary>AWS Security Token Service.</summary>
    public static QueryService Sts { get; } = new("sts", StsVersion, StsNamespace);

    /// <summary>Amazon Redshift (provisioned clusters API).</summary>
    public static QueryService Redshift { get; } = new("redshift", RedshiftVersion, RedshiftNamespace);

    /// <summary>The service whose SigV4 signing name is <paramref name="signingName"/>, or null.</summary>
    public static QueryService? FromSigningName(string? signingName) => signingName switch
    {
        "iam" => Iam,
        "sts" => Sts,
        "redshift" => Redshift,
        _ => null,
    };
}

/// <summary>Media types of the Query protocol.</summary>
internal static class QueryContentTypes
{
    /// <summary>The request body type botocore sends (it adds <c>; charset=utf-8</c>).</summary>
    public const string Form = "application/x-www-form-urlencoded";

    /// <summary>The response type AWS answers with, for results and errors alike.</summary>
    public const string Xml = "text/xml";
}
