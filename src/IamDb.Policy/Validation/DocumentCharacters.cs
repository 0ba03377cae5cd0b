namespace IamDb.Policy.Validation;

/// <summary>
/// The characters the IAM and STS APIs accept in a policy document: the models' pattern
/// <c>[\u0009\u000A\u000D\u0020-\u00FF]+</c>. Other characters can still reach a policy as JSON escapes
/// (<c>\u4e2d</c>), which keep the text itself inside the set.
/// </summary>
internal static class DocumentCharacters
{
    public static bool IsAllowed(char c) => c is '\t' or '\n' or '\r' || (c >= '\u0020' && c <= '\u00FF');

    /// <summary>The index of the first character outside the set, or -1.</summary>
    public static int FindFirstDisallowed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsAllowed(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
