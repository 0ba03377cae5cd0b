using System.Globalization;

namespace IamDb.Policy.Validation;

/// <summary>
/// Every message a rejected policy can carry, in one place so tests assert against the same text.
/// The <c>Message</c> constants are IAM's own words for <c>MalformedPolicyDocument</c> (what AWS returns,
/// so scripts that match on them keep working); the <c>Detail</c> members are IamDb's precise explanation,
/// lowercase with user input in backticks.
/// </summary>
internal static class PolicyErrorMessages
{
    // ---- IAM's messages -------------------------------------------------------------------------

    /// <summary>IAM's catch-all for grammar violations: bad JSON, wrong types, unknown or duplicate elements.</summary>
    public const string SyntaxErrors = "Syntax errors in policy.";

    /// <summary>IAM's answer when the document cannot be read under any known <c>Version</c>.</summary>
    public const string LegacyParsingFailed = "The policy failed legacy parsing";

    public const string ShouldNotSpecifyPrincipal = "Policy document should not specify a principal.";

    public const string MustContainActions = "Policy statement must contain actions.";

    public const string MustContainResources = "Policy statement must contain resources.";

    public const string ActionsMustHaveVendor = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";

    public const string ResourceVendorNotQualified = "Resource vendor must be fully qualified and cannot contain regexes.";

    public const string SidNotAlphanumeric =
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";

    public const string SidNotUnique = "Statement IDs (SID) in a single policy must be unique.";

    /// <summary>The <c>ValidationError</c> text for characters outside <c>[\u0009\u000A\u000D\u0020-\u00FF]</c> (the API's pattern).</summary>
    public const string CharactersNotAllowed =
        "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: " +
        @"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+";

    public static string ProhibitedField(string element) => $"Has prohibited field {element}";

    public static string MissingRequiredField(string element) => $"Missing required field {element}";

    public static string ResourceNotArn(string resource) => $"Resource {resource} must be in ARN format or \"*\".";

    public static string PartitionNotValid(string partition, string resource) =>
        $"Partition \"{partition}\" is not valid for resource \"{resource}\".";

    public static string InvalidConditionType(string op) => $"Invalid Condition type : {op}";

    public static string InvalidPrincipal(string type, string value) => $"Invalid principal in policy: \"{type}\":\"{value}\"";

    // ---- IamDb's details ------------------------------------------------------------------------

    public const string EmptyDocument = "the document is empty";

    public const string InvalidJson = "the document is not well-formed JSON";

    public const string InvalidEscape = "a string escapes a lone UTF-16 surrogate, which is not text";

    public const string RootNotObject = "the policy must be a JSON object";

    public const string StatementEmpty = "`Statement` must not be an empty array";

    public const string ActionWithoutVendor = "an action must look like `service:Action` or be `*`";

    public const string ConditionKeyWithoutVendor = "a condition key must look like `service:key`";

    public const string PrincipalMapEmpty = "a principal map must name at least one principal type";

    public const string ResourceTooFewParts = "an ARN has six parts: `arn:partition:service:region:account:resource`";

    public static string DuplicateKey(string name) => $"duplicate key `{name}`";

    public static string UnknownElement(string name) => $"unknown element `{name}`";

    public static string WrongType(string element, string expected, string actual) => $"`{element}` must be {expected}, not {actual}";

    public static string EmptyArray(string element) => $"`{element}` must not be an empty array";

    public static string MutuallyExclusive(string element, string notElement) =>
        $"`{element}` and `{notElement}` cannot both be present";

    public static string UnsupportedVersion(string version) =>
        $"`Version` must be `2012-10-17` or `2008-10-17`, not `{version}`";

    public static string InvalidEffect(string effect) => $"`Effect` must be `Allow` or `Deny` (case-sensitive), not `{effect}`";

    public static string ElementNotAllowedForKind(string element, string kind) => $"`{element}` is not allowed in a {kind} policy";

    public static string ElementRequiredForKind(string element, string kind) => $"`{element}` is required in a {kind} policy";

    public static string InvalidVendor(string value) => $"`{value}` has an invalid service prefix";

    public static string UnknownConditionOperator(string op) => $"`{op}` is not a condition operator";

    public static string NullCannotTakeIfExists(string op) => $"`{op}`: `Null` cannot take `IfExists`";

    public static string UnknownPrincipalType(string type) =>
        $"principal type `{type}` is not one of `AWS`, `Service`, `Federated`, `CanonicalUser`";

    public static string InvalidAwsPrincipal(string value) =>
        $"`{value}` is not `*`, a 12-digit account id or an IAM/STS ARN without wildcards";

    public static string SidCharacters(string sid) => $"`{sid}` contains characters other than A-Z, a-z and 0-9";

    public static string SidRepeated(string sid) => $"`{sid}` is already used by an earlier statement";

    public static string CharacterNotAllowed(char c) =>
        string.Create(CultureInfo.InvariantCulture, $"character U+{(int)c:X4} is outside U+0009, U+000A, U+000D and U+0020-U+00FF");
}
