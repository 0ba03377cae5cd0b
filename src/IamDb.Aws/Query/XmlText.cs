using System.Text;

namespace IamDb.Aws.Query;

/// <summary>
/// Makes any .NET string writable as XML 1.0 text. Characters XML 1.0 cannot carry at all — C0 controls other than
/// tab, LF and CR, U+FFFE, U+FFFF and unpaired surrogates — become U+FFFD, so a hostile value (a user name, a
/// policy) can never make a response unparseable; everything else is kept and escaped by the XmlWriter.
/// </summary>
internal static class XmlText
{
    internal const char Replacement = '\uFFFD';

    public static bool IsValid(ReadOnlySpan<char> text) => FirstInvalid(text) < 0;

    public static string Sanitize(string text)
    {
        var first = FirstInvalid(text);
        if (first < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
            }
            else
            {
                sb.Append(IsValidSingle(c) ? c : Replacement);
            }
        }

        return sb.ToString();
    }

    private static int FirstInvalid(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsValidSingle(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return -1;
    }

    /// <summary>A BMP character XML 1.0 allows on its own (surrogates are only valid in pairs).</summary>
    private static bool IsValidSingle(char c) =>
        c is '\t' or '\n' or '\r' || (c >= '\u0020' && c <= '\uD7FF') || (c >= '\uE000' && c <= '\uFFFD');
}
