using System.Text;
using IamDb.Aws.Encoding;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>
/// Decodes <c>application/x-www-form-urlencoded</c> bodies and raw URL query strings into
/// <see cref="QueryParameters"/>. Never throws on bad input: it answers <c>MalformedQueryString</c> (400).
/// </summary>
/// <remarks>
/// Pairs are split on <c>&amp;</c>, then on the first <c>=</c>; a pair without <c>=</c> is a key with an empty
/// value; empty pairs (<c>a=1&amp;&amp;b=2</c>) and pairs whose key decodes to the empty string are skipped.
/// <para>
/// A query string is read exactly as SigV4 canonicalizes it, so a signature over it covers what the broker reads:
/// <c>+</c> is a literal plus (SigV4 signs it as <c>%2B</c>; every SDK sends a space as <c>%20</c>), and a name may
/// appear only once (canonicalization sorts repeated names, so their order is not signed). In a form body, which
/// the signature covers byte for byte, <c>+</c> is a space (HTML form rules) and repeated names are kept in order.
/// </para>
/// </remarks>
internal static class QueryDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes a form body (UTF-8 bytes).</summary>
    /// <param name="body">The raw request body.</param>
    /// <param name="parameters">The decoded parameters, or <see cref="QueryParameters.Empty"/> on failure.</param>
    /// <param name="error">Null on success, otherwise a <c>MalformedQueryString</c> error.</param>
    /// <param name="limits">Bounds to enforce; <see cref="QueryDecodingLimits.Default"/> when null.</param>
    public static bool TryDecodeForm(
        ReadOnlySpan<byte> body, out QueryParameters parameters, out AwsError? error, QueryDecodingLimits? limits = null)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            parameters = QueryParameters.Empty;
            error = Malformed("The request body is not valid UTF-8");
            return false;
        }

        return TryDecode(text, isQueryString: false, limits ?? QueryDecodingLimits.Default, out parameters, out error);
    }

    /// <summary>Decodes a raw (still percent-encoded) URL query string, with or without its leading <c>?</c>.</summary>
    /// <param name="query">The query string as it appeared in the request target.</param>
    /// <param name="parameters">The decoded parameters, or <see cref="QueryParameters.Empty"/> on failure.</param>
    /// <param name="error">Null on success, otherwise a <c>MalformedQueryString</c> error.</param>
    /// <param name="limits">Bounds to enforce; <see cref="QueryDecodingLimits.Default"/> when null.</param>
    public static bool TryDecodeQueryString(
        ReadOnlySpan<char> query, out QueryParameters parameters, out AwsError? error, QueryDecodingLimits? limits = null)
    {
        if (query.StartsWith('?'))
        {
            query = query[1..];
        }

        return TryDecode(query, isQueryString: true, limits ?? QueryDecodingLimits.Default, out parameters, out error);
    }

    private static bool TryDecode(
        ReadOnlySpan<char> text, bool isQueryString, QueryDecodingLimits limits, out QueryParameters parameters, out AwsError? error)
    {
        var items = new List<KeyValuePair<string, string>>();
        foreach (var range in text.Split('&'))
        {
            var pair = text[range];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var rawKey = eq < 0 ? pair : pair[..eq];
            var rawValue = eq < 0 ? [] : pair[(eq + 1)..];

            if (!PercentEncoding.TryDecode(rawKey, plusIsSpace: !isQueryString, out var key, out var problem)
                || !PercentEncoding.TryDecode(rawValue, plusIsSpace: !isQueryString, out var value, out problem))
            {
                return Fail(problem!, out parameters, out error);
            }

            if (key.Length == 0)
            {
                continue;
            }

            if (items.Count == limits.MaxParameters)
            {
                return Fail($"The request has more than {limits.MaxParameters} parameters", out parameters, out error);
            }

            if (key.Length > limits.MaxKeyLength)
            {
                return Fail(
                    $"A parameter name is longer than {limits.MaxKeyLength} characters", out parameters, out error);
            }

            if (value.Length > limits.MaxValueLength)
            {
                // The key is bounded and safe to name; the value may be a secret and is never echoed.
                return Fail(
                    $"The value of parameter {key} is longer than {limits.MaxValueLength} characters", out parameters, out error);
            }

            if (isQueryString && Names(items, key))
            {
                return Fail($"The query string names parameter {key} more than once", out parameters, out error);
            }

            items.Add(new KeyValuePair<string, string>(key, value));
        }

        parameters = new QueryParameters(items);
        error = null;
        return true;
    }

    private static bool Names(List<KeyValuePair<string, string>> items, string key)
    {
        foreach (var item in items)
        {
            if (string.Equals(item.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Fail(string message, out QueryParameters parameters, out AwsError? error)
    {
        parameters = QueryParameters.Empty;
        error = Malformed(message);
        return false;
    }

    private static AwsError Malformed(string message) => new(AwsErrorCodes.MalformedQueryString, message, 400);
}
