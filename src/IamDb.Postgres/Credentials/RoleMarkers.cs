using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IamDb.Postgres.Credentials;

/// <summary>
/// The names and <c>COMMENT ON ROLE</c> markers of the roles IamDb creates. The markers let the reaper and an operator
/// tell IamDb's roles from every other role without IamDb's own store.
/// </summary>
internal static class RoleMarkers
{
    /// <summary>Every per-credential login role's comment starts with this.</summary>
    public const string CredentialPrefix = "iamdb:credential:v1 ";

    /// <summary>Every connect role's comment starts with this.</summary>
    public const string ConnectRolePrefix = "iamdb:connect-role:v1 ";

    /// <summary>
    /// The role that is a member of every database's connect role: credentials for every database join it alone, and a new
    /// database costs one GRANT however many such credentials are live.
    /// </summary>
    public const string AllDatabasesRoleName = "iamdb_connect_all";

    /// <summary>The all-databases role's comment starts with this.</summary>
    public const string AllDatabasesPrefix = "iamdb:connect-all:v1";

    /// <summary>
    /// The role whose members are the login roles <c>disable-passwords</c> took the password from. Preparation grants them no
    /// direct CONNECT on a database it takes from PUBLIC: they reach databases only through IamDb's scoped credentials.
    /// </summary>
    public const string PasswordsDisabledRoleName = "iamdb_passwords_disabled";

    /// <summary>The passwords-disabled role's comment starts with this.</summary>
    public const string PasswordsDisabledPrefix = "iamdb:passwords-disabled:v1";

    /// <summary>Every connect role's name starts with this.</summary>
    public const string ConnectRoleNamePrefix = "iamdb_connect:";

    /// <summary>The random part that keeps login role names unique: 10 base32 characters, 50 bits.</summary>
    public const int SuffixLength = 10;

    // Plain connect role names carry database names up to this many bytes; longer ones are cut and hashed.
    private const int PlainDatabaseBytes = SqlText.MaxIdentifierBytes - 14 - 9;
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>What a credential's marker records.</summary>
    internal sealed record CredentialMarker(
        [property: JsonPropertyName("base")] string BaseUser,
        [property: JsonPropertyName("db")] string? DbName,
        [property: JsonPropertyName("expires")] DateTimeOffset ExpiresAt);

    private sealed record ConnectMarker([property: JsonPropertyName("database")] string Database);

    /// <summary>
    /// <c>&lt;prefix&gt;&lt;base&gt;:&lt;10 random base32&gt;</c>, with the base part cut (at a character boundary) so the
    /// whole name fits 63 bytes; the random suffix keeps it unique either way.
    /// </summary>
    public static string NewLoginRoleName(string prefix, string baseUser)
    {
        Span<byte> random = stackalloc byte[SuffixLength];
        RandomNumberGenerator.Fill(random);
        Span<char> suffix = stackalloc char[SuffixLength];
        for (var i = 0; i < SuffixLength; i++)
        {
            suffix[i] = Base32[random[i] & 31];
        }

        var room = SqlText.MaxIdentifierBytes - Encoding.UTF8.GetByteCount(prefix) - 1 - SuffixLength;
        return prefix + SqlText.TruncateToBytes(baseUser, room) + ":" + new string(suffix);
    }

    /// <summary>
    /// The connect role of <paramref name="database"/>: <c>iamdb_connect:&lt;db&gt;</c>, or for names over 40 bytes
    /// <c>iamdb_connect:&lt;first ≤40 bytes&gt;~&lt;8 hex of SHA-256(db)&gt;</c>. A cut name's tail is always longer than any
    /// plain one, so the two forms cannot collide.
    /// </summary>
    public static string ConnectRoleName(string database)
    {
        if (Encoding.UTF8.GetByteCount(database) <= PlainDatabaseBytes)
        {
            return ConnectRoleNamePrefix + database;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(database)))[..8];
        return ConnectRoleNamePrefix + SqlText.TruncateToBytes(database, PlainDatabaseBytes) + "~" + hash;
    }

    /// <summary>
    /// True when <paramref name="name"/> has the shape of a role IamDb creates (a connect role, or a login role ending
    /// in <c>:</c> and the random suffix); only such names can be IamDb's, so only they need the catalog to tell.
    /// </summary>
    public static bool MayBeManagedName(string name)
    {
        if (name.StartsWith(ConnectRoleNamePrefix, StringComparison.Ordinal) || name == AllDatabasesRoleName)
        {
            return true;
        }

        if (name.Length < SuffixLength + 1 || name[^(SuffixLength + 1)] != ':')
        {
            return false;
        }

        foreach (var c in name.AsSpan(name.Length - SuffixLength))
        {
            if (!Base32.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static string CredentialComment(string baseUser, string? dbName, DateTimeOffset expiresAt) =>
        CredentialPrefix + JsonSerializer.Serialize(new CredentialMarker(baseUser, dbName, expiresAt.ToUniversalTime()));

    public static string ConnectRoleComment(string database) => ConnectRolePrefix + JsonSerializer.Serialize(new ConnectMarker(database));

    public static bool IsCredential(string? comment) => comment is not null && comment.StartsWith(CredentialPrefix, StringComparison.Ordinal);

    public static bool IsConnectRole(string? comment) => comment is not null && comment.StartsWith(ConnectRolePrefix, StringComparison.Ordinal);

    public static bool IsPasswordsDisabledRole(string? comment) => comment is not null && comment.StartsWith(PasswordsDisabledPrefix, StringComparison.Ordinal);

    public static bool IsAllDatabasesRole(string? comment) => comment is not null && comment.StartsWith(AllDatabasesPrefix, StringComparison.Ordinal);

    /// <summary>The credential marker in <paramref name="comment"/>, or null when it is none or unreadable.</summary>
    public static CredentialMarker? ParseCredential(string? comment)
    {
        if (!IsCredential(comment))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<CredentialMarker>(comment![CredentialPrefix.Length..]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>VALID UNTIL's literal: UTC with microseconds, PostgreSQL's precision.</summary>
    public static string TimestampLiteral(DateTimeOffset at) =>
        SqlText.Literal(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

    /// <summary><paramref name="at"/> cut to whole microseconds, as PostgreSQL stores it.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
}
