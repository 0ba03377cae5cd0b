using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>
/// Typed, validating access to a request's <see cref="QueryParameters"/> for one action handler. Reading never
/// throws: each problem (missing, wrong type, out of range, constraint) is recorded, the method returns a neutral
/// value (null, empty), and the handler asks <see cref="TryGetError"/> once after reading everything.
/// </summary>
/// <remarks>
/// A repeated scalar key takes its first occurrence. Names are case-sensitive wire names (<c>UserName</c>); in
/// <see cref="QueryValidationStyle.ValidationError"/> messages they are shown as Coral member paths
/// (<c>userName</c>, <c>tags.2.member.key</c>).
/// </remarks>
internal sealed partial class QueryParameterReader
{
    private readonly QueryParameters _parameters;
    private readonly ParameterProblems _problems;
    private readonly string _wirePrefix;
    private readonly string _memberPrefix;

    /// <summary>Creates a reader over <paramref name="parameters"/> that reports in <paramref name="style"/>.</summary>
    public QueryParameterReader(QueryParameters parameters, QueryValidationStyle style)
        : this(parameters, style, new ParameterProblems(), string.Empty, string.Empty)
    {
    }

    private QueryParameterReader(
        QueryParameters parameters, QueryValidationStyle style, ParameterProblems problems, string wirePrefix, string memberPrefix)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        Style = style;
        _problems = problems;
        _wirePrefix = wirePrefix;
        _memberPrefix = memberPrefix;
    }

    /// <summary>The error style chosen at construction.</summary>
    public QueryValidationStyle Style { get; }

    /// <summary>True once any problem has been recorded (by this reader or any item reader sharing it).</summary>
    public bool HasErrors => _problems.Count > 0;

    internal IReadOnlyList<ParameterProblem> Problems => _problems.Items;

    /// <summary>The single AWS error describing every recorded problem in <see cref="Style"/>, if there is one.</summary>
    public bool TryGetError([NotNullWhen(true)] out AwsError? error)
    {
        error = _problems.ToError(Style);
        return error is not null;
    }

    /// <summary>True when the parameter <paramref name="name"/> was sent at all (even empty).</summary>
    public bool Contains(string name) => _parameters.Contains(_wirePrefix + name);

    /// <summary>
    /// Reads a required string; when it is absent records "missing" and returns <see cref="string.Empty"/>.
    /// An empty value counts as present and is then checked against <paramref name="constraints"/>.
    /// </summary>
    public string RequiredString(string name, StringConstraints? constraints = null)
    {
        var value = _parameters.Get(_wirePrefix + name);
        if (value is null)
        {
            ReportMissing(name, constraints?.Sensitive ?? false);
            return string.Empty;
        }

        Check(name, value, constraints);
        return value;
    }

    /// <summary>Reads an optional string: null when absent, otherwise checked against <paramref name="constraints"/>.</summary>
    public string? OptionalString(string name, StringConstraints? constraints = null)
    {
        var value = _parameters.Get(_wirePrefix + name);
        if (value is not null)
        {
            Check(name, value, constraints);
        }

        return value;
    }

    /// <summary>Reads a required 32-bit integer in [<paramref name="min"/>, <paramref name="max"/>]; 0 when missing or bad.</summary>
    public int RequiredInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_parameters.Contains(_wirePrefix + name))
        {
            ReportMissing(name, sensitive: false);
            return 0;
        }

        return OptionalInt(name, min, max) ?? 0;
    }

    /// <summary>
    /// Reads an optional 32-bit integer (invariant digits with an optional sign) in [<paramref name="min"/>,
    /// <paramref name="max"/>]; null when absent, not an integer, or out of range (the last two are recorded).
    /// </summary>
    public int? OptionalInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = _parameters.Get(_wirePrefix + name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Report(name, text, "Member must be an integer");
            return null;
        }

        if (value < min)
        {
            Report(name, text, $"Member must have value greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        if (value > max)
        {
            Report(name, text, $"Member must have value less than or equal to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    /// <summary>Reads an optional boolean: <c>true</c> or <c>false</c>, any letter case; anything else is recorded.</summary>
    public bool? OptionalBool(string name)
    {
        var text = _parameters.Get(_wirePrefix + name);
        if (text is null)
        {
            return null;
        }

        if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Report(name, text, "Member must be true or false");
        return null;
    }

    /// <summary>
    /// Reads an optional ISO-8601 timestamp (<c>2026-11-24T02:39:32Z</c>, fractional seconds and offsets allowed; no
    /// offset means UTC), returned in UTC.
    /// </summary>
    public DateTimeOffset? OptionalTimestamp(string name)
    {
        var text = _parameters.Get(_wirePrefix + name);
        if (text is null)
        {
            return null;
        }

        if (QueryTimestamps.TryParse(text, out var value))
        {
            return value;
        }

        Report(name, text, "Member must be an ISO-8601 timestamp");
        return null;
    }

    /// <summary>
    /// Records a handler-specific problem with <paramref name="name"/>, e.g. a Redshift reserved word.
    /// <paramref name="constraint"/> reads like Coral's (<c>Member must not be a reserved word</c>).
    /// </summary>
    public void ReportInvalid(string name, string? value, string constraint, bool sensitive = false)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        Report(_wirePrefix + name, MemberPath(name), value, constraint, sensitive);
    }

    private void Check(string name, string value, StringConstraints? constraints) =>
        Check(_wirePrefix + name, MemberPath(name), value, constraints);

    private void Check(string wireName, string memberPath, string value, StringConstraints? constraints)
    {
        if (constraints is null)
        {
            return;
        }

        var sensitive = constraints.Sensitive;
        if (value.Length < constraints.MinLength)
        {
            Report(wireName, memberPath, value, $"Member must have length greater than or equal to {constraints.MinLength}", sensitive);
        }

        if (value.Length > constraints.MaxLength)
        {
            Report(wireName, memberPath, value, $"Member must have length less than or equal to {constraints.MaxLength}", sensitive);
        }

        if (!constraints.MatchesPattern(value))
        {
            Report(wireName, memberPath, value, $"Member must satisfy regular expression pattern: {constraints.Pattern}", sensitive);
        }
    }

    private void Report(string name, string value, string constraint) =>
        Report(_wirePrefix + name, MemberPath(name), value, constraint);

    private void Report(string wireName, string memberPath, string? value, string constraint, bool sensitive = false) =>
        _problems.Add(new ParameterProblem(wireName, memberPath, value, sensitive, constraint));

    private void ReportMissing(string name, bool sensitive) =>
        _problems.Add(new ParameterProblem(
            _wirePrefix + name, MemberPath(name), null, sensitive, "Member must not be null", IsMissing: true));

    private string MemberPath(string name) => _memberPrefix + CoralName(name);

    /// <summary>Coral names members by their model name with a lowercase first letter, segment by segment.</summary>
    private static string CoralName(string name) =>
        string.Join('.', name.Split('.').Select(s => s.Length > 0 && char.IsAsciiLetterUpper(s[0])
            ? string.Concat(char.ToLowerInvariant(s[0]).ToString(), s.AsSpan(1))
            : s));
}
