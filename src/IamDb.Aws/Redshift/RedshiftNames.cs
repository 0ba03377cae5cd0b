using System.Collections.Frozen;

namespace IamDb.Aws.Redshift;

/// <summary>
/// Redshift's naming rules for the parameters of the credential APIs (<c>DbUser</c>, <c>DbName</c>, <c>DbGroups</c>,
/// <c>ClusterIdentifier</c>), as the API reference states them. Each check returns null when the value is valid, or
/// the broken rule as a sentence a person can act on (the caller adds the parameter name). Pure: no I/O.
/// </summary>
/// <remarks>
/// The API reference's "1 to 64 alphanumeric characters or hyphens" contradicts the character list that follows it;
/// the explicit list (letters, digits, <c>_ + . @ -</c>) is implemented. PostgreSQL limits identifiers to 63 bytes,
/// which every name here also has to fit, because it becomes a role or database name on the cluster.
/// </remarks>
internal static class RedshiftNames
{
    /// <summary>The longest database user, database or group name Redshift's API accepts.</summary>
    public const int MaxNameLength = 64;

    /// <summary>PostgreSQL's identifier limit (NAMEDATALEN - 1), in UTF-8 bytes.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>The longest cluster identifier.</summary>
    public const int MaxClusterIdentifierLength = 63;

    /// <summary>The reserved words of Redshift's developer guide (<c>r_pg_keywords</c>), upper case.</summary>
    public static FrozenSet<string> ReservedWords { get; } = new[]
    {
        "AES128", "AES256", "ALL", "ALLOWOVERWRITE", "ANALYSE", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "AUTHORIZATION",
        "AZ64", "BACKUP", "BETWEEN", "BINARY", "BLANKSASNULL", "BOTH", "BYTEDICT", "BZIP2", "CASE", "CAST", "CHECK", "COLLATE",
        "COLUMN", "CONNECT", "CONSTRAINT", "CREATE", "CREDENTIALS", "CROSS", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
        "CURRENT_USER", "CURRENT_USER_ID", "DEFAULT", "DEFERRABLE", "DEFLATE", "DEFRAG", "DELTA", "DELTA32K", "DESC", "DISABLE",
        "DISTINCT", "DO", "ELSE", "EMPTYASNULL", "ENABLE", "ENCODE", "ENCRYPT", "ENCRYPTION", "END", "EXCEPT", "EXPLICIT", "FALSE",
        "FOR", "FOREIGN", "FREEZE", "FROM", "FULL", "GLOBALDICT256", "GLOBALDICT64K", "GRANT", "GROUP", "GZIP", "HAVING",
        "IDENTITY", "IGNORE", "ILIKE", "IN", "INITIALLY", "INNER", "INTERSECT", "INTERVAL", "INTO", "IS", "ISNULL", "JOIN",
        "LANGUAGE", "LEADING", "LEFT", "LIKE", "LIMIT", "LOCALTIME", "LOCALTIMESTAMP", "LUN", "LUNS", "LZO", "LZOP", "MINUS",
        "MOSTLY16", "MOSTLY32", "MOSTLY8", "NATURAL", "NEW", "NOT", "NOTNULL", "NULL", "NULLS", "OFF", "OFFLINE", "OFFSET", "OID",
        "OLD", "ON", "ONLY", "OPEN", "OR", "ORDER", "OUTER", "OVERLAPS", "PARALLEL", "PARTITION", "PERCENT", "PERMISSIONS",
        "PIVOT", "PLACING", "PRIMARY", "RAW", "READRATIO", "RECOVER", "REFERENCES", "REJECTLOG", "RESORT", "RESPECT", "RESTORE",
        "RIGHT", "SELECT", "SESSION_USER", "SIMILAR", "SNAPSHOT", "SOME", "SYSDATE", "SYSTEM", "START", "TABLE", "TAG", "TDES",
        "TEXT255", "TEXT32K", "THEN", "TIMESTAMP", "TO", "TOP", "TRAILING", "TRUE", "TRUNCATECOLUMNS", "UNION", "UNIQUE",
        "UNNEST", "UNPIVOT", "USER", "USING", "VERBOSE", "WALLET", "WHEN", "WHERE", "WITH", "WITHOUT",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Checks a <c>DbUser</c>: a name (see <see cref="CheckName"/>) that is not <c>PUBLIC</c>.</summary>
    public static string? CheckDbUser(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.Equals(value, "PUBLIC", StringComparison.OrdinalIgnoreCase))
        {
            return "the database user can't be PUBLIC";
        }

        return CheckName(value, lowercaseOnly: false);
    }

    /// <summary>Checks a <c>DbName</c> (see <see cref="CheckName"/>).</summary>
    public static string? CheckDbName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return CheckName(value, lowercaseOnly: false);
    }

    /// <summary>Checks one <c>DbGroups</c> entry: a name in lower case only, not <c>public</c>.</summary>
    public static string? CheckDbGroup(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.Equals(value, "PUBLIC", StringComparison.OrdinalIgnoreCase))
        {
            return "every user is in PUBLIC already; leave it out of DbGroups";
        }

        return CheckName(value, lowercaseOnly: true);
    }

    /// <summary>
    /// The rules shared by user, database and group names: 1 to 64 characters (and at most 63 bytes, PostgreSQL's limit),
    /// only ASCII letters, digits, underscore, plus sign, period, at sign or hyphen, the first a letter, and not a reserved
    /// word. A colon or slash is reported as such, because it would be read as part of an ARN.
    /// </summary>
    public static string? CheckName(string value, bool lowercaseOnly)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return "must be 1 to 64 characters long; it is empty";
        }

        if (value.Length > MaxNameLength || System.Text.Encoding.UTF8.GetByteCount(value) > MaxIdentifierBytes)
        {
            return $"must be at most {MaxIdentifierBytes} bytes (PostgreSQL's identifier limit; Redshift allows {MaxNameLength} characters)";
        }

        foreach (var c in value)
        {
            if (c is ':' or '/')
            {
                return "must not contain a colon (:) or slash (/)";
            }

            if (lowercaseOnly && char.IsAsciiLetterUpper(c))
            {
                return "must be lower case: use only lowercase letters, digits, underscore, plus sign, period, at sign or hyphen";
            }

            if (!IsNameCharacter(c))
            {
                return lowercaseOnly
                    ? "may contain only lowercase ASCII letters, digits, underscore (_), plus sign (+), period (.), at sign (@) or hyphen (-)"
                    : "may contain only ASCII letters, digits, underscore (_), plus sign (+), period (.), at sign (@) or hyphen (-)";
            }
        }

        if (!char.IsAsciiLetter(value[0]))
        {
            return "must start with a letter";
        }

        if (ReservedWords.Contains(value))
        {
            return $"{value.ToUpperInvariant()} is a reserved word; choose another name";
        }

        return null;
    }

    /// <summary>
    /// Checks a <c>ClusterIdentifier</c>: 1 to 63 ASCII letters, digits or hyphens, the first a letter, not ending with a
    /// hyphen and without two consecutive hyphens. Redshift stores identifiers in lower case and compares them without
    /// regard to case, so upper-case letters are accepted here and identify the same cluster as their lower-case form.
    /// </summary>
    public static string? CheckClusterIdentifier(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > MaxClusterIdentifierLength)
        {
            return "must contain from 1 to 63 alphanumeric characters or hyphens";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return "must contain only ASCII letters, digits or hyphens";
            }
        }

        if (!char.IsAsciiLetter(value[0]))
        {
            return "must start with a letter";
        }

        if (value[^1] == '-')
        {
            return "cannot end with a hyphen";
        }

        if (value.Contains("--", StringComparison.Ordinal))
        {
            return "cannot contain two consecutive hyphens";
        }

        return null;
    }

    private static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '@' or '-';
}
