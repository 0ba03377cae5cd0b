namespace IamDb.Aws.Identifiers;

/// <summary>Checks that a string has the shape <see cref="IdentifierGenerator"/> produces.</summary>
internal static class IdentifierShapes
{
    /// <summary>
    /// True for a 21-character unique id: a unique-id prefix (or exactly <paramref name="prefix"/> when given) and 17
    /// characters of <c>A–Z2–7</c>.
    /// </summary>
    public static bool IsUniqueId(string? value, string? prefix = null) =>
        value is { Length: 4 + IdentifierGenerator.UniqueIdSuffixLength }
        && (prefix is null ? IamIdPrefixes.IsUniqueIdPrefix(value[..4]) : value.StartsWith(prefix, StringComparison.Ordinal))
        && IsBase32(value.AsSpan(4));

    /// <summary>True for a 20-character <c>AKIA</c> or <c>ASIA</c> access key id with a <c>A–Z2–7</c> suffix.</summary>
    public static bool IsAccessKeyId(string? value) => IsLongTermAccessKeyId(value) || IsTemporaryAccessKeyId(value);

    /// <summary>True for an <c>AKIA</c> access key id.</summary>
    public static bool IsLongTermAccessKeyId(string? value) => IsAccessKeyId(value, IamIdPrefixes.LongTermAccessKey);

    /// <summary>True for an <c>ASIA</c> access key id.</summary>
    public static bool IsTemporaryAccessKeyId(string? value) => IsAccessKeyId(value, IamIdPrefixes.TemporaryAccessKey);

    /// <summary>True for a 40-character secret of <c>A–Za–z0–9/+</c>.</summary>
    public static bool IsSecretAccessKey(string? value)
    {
        if (value is not { Length: IdentifierGenerator.SecretLength })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a request id in lowercase UUID form (<c>8-4-4-4-12</c> hex digits).</summary>
    public static bool IsRequestId(string? value)
    {
        if (value is not { Length: 36 })
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var ok = i is 8 or 13 or 18 or 23 ? c == '-' : char.IsAsciiDigit(c) || (c >= 'a' && c <= 'f');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAccessKeyId(string? value, string prefix) =>
        value is { Length: 4 + IdentifierGenerator.AccessKeySuffixLength }
        && value.StartsWith(prefix, StringComparison.Ordinal)
        && IsBase32(value.AsSpan(4));

    private static bool IsBase32(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterUpper(c) || (c >= '2' && c <= '7')))
            {
                return false;
            }
        }

        return true;
    }
}
