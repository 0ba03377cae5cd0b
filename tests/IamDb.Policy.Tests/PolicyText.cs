namespace IamDb.Policy.Tests;

/// <summary>Helpers that keep policy JSON readable in C# tests.</summary>
internal static class PolicyText
{
    /// <summary>Marks where an error is expected: removed before parsing, its position gives line and column.</summary>
    public const char Marker = '§';

    /// <summary>JSON written with single quotes (no string in the tests needs a literal one).</summary>
    public static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    /// <summary>A 2012-10-17 document around one statement's members.</summary>
    public static string Doc(string statementMembers) => J($"{{'Version':'2012-10-17','Statement':{{{statementMembers}}}}}");

    /// <summary>Removes the marker and returns the line and column where it stood (or null without one).</summary>
    public static (string Text, int? Line, int? Column) TakeMarker(string text)
    {
        var index = text.IndexOf(Marker, StringComparison.Ordinal);
        if (index < 0)
        {
            return (text, null, null);
        }

        var before = text[..index];
        var line = before.Count(c => c == '\n') + 1;
        var column = index - (before.LastIndexOf('\n') + 1) + 1;
        return (text.Remove(index, 1), line, column);
    }
}
