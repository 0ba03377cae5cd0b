using System.Globalization;
using System.Text;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// Validation and quoting of the names and literals IamDb puts into SQL. DDL takes no bind parameters, so every
/// identifier is validated here and then double-quoted (quotes doubled), every literal is an escape string with
/// backslashes and quotes doubled. <see cref="Identifier"/> refuses unvalidated text, so no SQL is built from it.
/// </summary>
internal static class SqlText
{
    /// <summary>PostgreSQL's NAMEDATALEN - 1: longer identifiers are silently truncated by the server.</summary>
    public const int MaxIdentifierBytes = 63;

    // Names PostgreSQL reserves for roles, or that mean something else in GRANT/SET ROLE.
    private static readonly string[] ReservedRoleNames = ["public", "none", "current_user", "session_user", "current_role"];

    /// <summary>Why <paramref name="name"/> cannot be an identifier, or null when it can.</summary>
    public static string? IdentifierProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }

            switch (char.GetUnicodeCategory(c))
            {
                case UnicodeCategory.Control:
                    return "contains a control character";
                case UnicodeCategory.Format:
                    // Zero-width and bidirectional-override characters make a name look like another one.
                    return "contains an invisible formatting character";
                case UnicodeCategory.Surrogate:
                    return "is not valid UTF-16";
                case UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                    return "contains a line separator";
                default:
                    break;
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxIdentifierBytes ? $"is {bytes} bytes long; PostgreSQL allows at most {MaxIdentifierBytes}" : null;
    }

    /// <summary>Why <paramref name="name"/> cannot name a role IamDb uses as a base user or group, or null.</summary>
    public static string? RoleNameProblem(string? name)
    {
        var problem = IdentifierProblem(name);
        if (problem is not null)
        {
            return problem;
        }

        if (ReservedRoleNames.Contains(name, StringComparer.Ordinal))
        {
            return "is reserved by PostgreSQL";
        }

        // Predefined roles (pg_read_server_files, pg_execute_server_program …) are superuser-equivalent or close.
        return name!.StartsWith("pg_", StringComparison.Ordinal) ? "starts with pg_, which PostgreSQL reserves for its predefined roles" : null;
    }

    /// <summary>Throws <see cref="ClusterFailure.InvalidName"/> when <paramref name="name"/> is not a usable role name.</summary>
    public static void ValidateRoleName(string? name, string what) => ThrowIf(RoleNameProblem(name), name, what);

    /// <summary>Throws <see cref="ClusterFailure.InvalidName"/> when <paramref name="name"/> is not a usable identifier.</summary>
    public static void ValidateIdentifier(string? name, string what) => ThrowIf(IdentifierProblem(name), name, what);

    /// <summary>The name as a quoted identifier. Throws for a name that fails <see cref="IdentifierProblem"/>.</summary>
    public static string Identifier(string name)
    {
        var problem = IdentifierProblem(name);
        if (problem is not null)
        {
            // A programming error: callers validate first and report the failure to the user.
            throw new ClusterOperationException(ClusterFailure.InvalidName, $"refusing to quote a name that {problem}");
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// A name read from the server's own catalog (a database, an existing role) as a quoted identifier. Such names are
    /// whatever an operator created, so only NUL (which the catalog cannot hold) is refused; quoting makes any other
    /// character harmless.
    /// </summary>
    public static string CatalogIdentifier(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ClusterOperationException(ClusterFailure.InvalidName, "refusing to quote an empty name or one that contains NUL");
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// The value as an escape-string literal (<c>E'…'</c>), which reads the same whatever
    /// <c>standard_conforming_strings</c> is. Refuses NUL, which PostgreSQL text cannot hold.
    /// </summary>
    public static string Literal(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ClusterOperationException(ClusterFailure.InvalidName, "refusing a literal that contains NUL");
        }

        return "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>The name as it may appear in a message: control and format characters shown as escapes.</summary>
    public static string Printable(string? name)
    {
        if (name is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }

        var shown = sb.ToString();
        return shown.Length > 80 ? shown[..80] + "…" : shown;
    }

    /// <summary>The longest prefix of <paramref name="value"/> that fits <paramref name="maxBytes"/> UTF-8 bytes without splitting a character.</summary>
    public static string TruncateToBytes(string value, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value) <= maxBytes)
        {
            return value;
        }

        var bytes = 0;
        var length = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }

        return value[..length];
    }

    private static void ThrowIf(string? problem, string? name, string what)
    {
        if (problem is not null)
        {
            throw new ClusterOperationException(ClusterFailure.InvalidName, $"The {what} \"{Printable(name)}\" {problem}.") { Subject = name };
        }
    }
}
