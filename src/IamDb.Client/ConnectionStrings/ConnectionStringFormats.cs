using System.Globalization;
using System.Text;
using Npgsql;

namespace IamDb.Client.ConnectionStrings;

/// <summary>
/// Connection strings for a temporary credential (or the drivers' IAM forms), each value escaped by its format's rules:
/// JDBC (URL-encoded query values), ODBC (<c>{…}</c> for values with special characters), libpq URI (percent-encoded)
/// and keyword/value (single-quoted, backslash escapes), Npgsql, <c>PG*</c> environment variables and a <c>.pgpass</c> line.
/// The JDBC and libpq forms never carry the password (URLs end up in logs, error messages and process lists): the driver
/// takes it from its <c>password</c> property, <c>PGPASSWORD</c> or <c>.pgpass</c>. ODBC has no other place, so its
/// DSN-less string carries <c>PWD=</c> and is a secret.
/// </summary>
public static class ConnectionStringFormats
{
    /// <summary>The Redshift ODBC 2.x driver name.</summary>
    public const string RedshiftOdbcDriver = "Amazon Redshift ODBC Driver (x64)";

    /// <summary>psqlODBC's Unicode driver as Debian's <c>odbc-postgresql</c> registers it in <c>odbcinst.ini</c>.</summary>
    public const string PostgreSqlOdbcDriver = "PostgreSQL Unicode";

    /// <summary>
    /// The engine of a cluster as <c>DescribeClusters</c> describes it: an IamDb broker's clusters say <c>NodeType</c>
    /// <c>postgresql</c>; anything else (<c>ra3.xlplus</c>, <c>dc2.large</c>, …) is Redshift.
    /// </summary>
    public static DatabaseEngine EngineOf(string? nodeType) =>
        string.Equals(nodeType, "postgresql", StringComparison.OrdinalIgnoreCase) ? DatabaseEngine.PostgreSql : DatabaseEngine.Redshift;

    /// <summary>The ODBC driver name a format uses for <paramref name="engine"/> when none is given.</summary>
    public static string DefaultOdbcDriver(DatabaseEngine engine) => engine == DatabaseEngine.PostgreSql ? PostgreSqlOdbcDriver : RedshiftOdbcDriver;

    // Characters that make an ODBC value need braces (Microsoft's ODBC rules and the Redshift driver's documentation).
    private static readonly System.Buffers.SearchValues<char> OdbcSpecial = System.Buffers.SearchValues.Create("[]{}(),;?*=!@");

    /// <summary>The libpq / JDBC name of <paramref name="mode"/>: <c>disable</c> … <c>verify-full</c>.</summary>
    public static string SslModeName(SslMode mode) => mode switch
    {
        SslMode.Disable => "disable",
        SslMode.Allow => "allow",
        SslMode.Prefer => "prefer",
        SslMode.Require => "require",
        SslMode.VerifyCA => "verify-ca",
        SslMode.VerifyFull => "verify-full",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown SSL mode"),
    };

    /// <summary>
    /// For PostgreSQL (pgjdbc) <c>jdbc:postgresql://host:port/db?user=…&amp;sslmode=…[&amp;sslrootcert=…]</c>; for Redshift
    /// <c>jdbc:redshift://host:port/db?user=…&amp;ssl=true&amp;sslmode=…[&amp;sslrootcert=…]</c>. No password: give it as the
    /// driver's <c>password</c> property (pgjdbc also reads <c>.pgpass</c>).
    /// </summary>
    public static string Jdbc(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var postgres = login.Engine == DatabaseEngine.PostgreSql;
        var url = new StringBuilder(postgres ? "jdbc:postgresql://" : "jdbc:redshift://").Append(UriHost(login.Host)).Append(':')
            .Append(login.Port.ToString(CultureInfo.InvariantCulture)).Append('/').Append(Uri.EscapeDataString(login.Database));
        var query = new List<(string, string)> { ("user", login.User) };
        if (postgres)
        {
            query.Add(("sslmode", SslModeName(login.SslMode)));
            if (RootCertificateFor(login.SslMode, login.RootCertificate) is { } ca)
            {
                query.Add(("sslrootcert", ca));
            }
        }
        else
        {
            AddJdbcTls(query, login.SslMode, login.RootCertificate);
        }

        return AppendQuery(url, query);
    }

    /// <summary>
    /// <c>jdbc:redshift:iam://cluster:region/db?DbUser=…&amp;AutoCreate=…&amp;DbGroups=…</c> (or the host form when a host is
    /// known), with <c>EndpointUrl</c> when the endpoint is not AWS's.
    /// </summary>
    public static string JdbcIam(IamConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var url = new StringBuilder("jdbc:redshift:iam://");
        var query = new List<(string, string)>();
        if (settings.Host is { } host)
        {
            url.Append(UriHost(host)).Append(':').Append((settings.Port ?? 5439).ToString(CultureInfo.InvariantCulture));
            query.Add(("ClusterID", settings.ClusterIdentifier));
            query.Add(("Region", settings.Region));
        }
        else
        {
            url.Append(Uri.EscapeDataString(settings.ClusterIdentifier)).Append(':').Append(Uri.EscapeDataString(settings.Region));
        }

        url.Append('/').Append(Uri.EscapeDataString(settings.Database));
        AddIamOptions(query, settings, jdbc: true);
        AddJdbcTls(query, settings.SslMode, settings.RootCertificate);
        return AppendQuery(url, query);
    }

    /// <summary>
    /// A DSN-less ODBC string <c>Driver={…};Server=…;Port=…;Database=…;UID=…;PWD=…;SSLMode=…</c>: psqlODBC
    /// (<c>{PostgreSQL Unicode}</c>, the root certificate as <c>pqopt={sslrootcert=…}</c>) for PostgreSQL, the Amazon
    /// Redshift ODBC driver (<c>CaFile=…</c>) for Redshift; <paramref name="driver"/> overrides the driver's name.
    /// A secret: ODBC has no other place for the password.
    /// </summary>
    public static string Odbc(DatabaseLogin login, string? driver = null)
    {
        ArgumentNullException.ThrowIfNull(login);
        var postgres = login.Engine == DatabaseEngine.PostgreSql;
        var pairs = new List<(string, string)>
        {
            ("Driver", driver ?? DefaultOdbcDriver(login.Engine)), ("Server", login.Host), ("Port", login.Port.ToString(CultureInfo.InvariantCulture)),
            ("Database", login.Database), ("UID", login.User), ("PWD", login.Password), ("SSLMode", SslModeName(login.SslMode)),
        };
        if (RootCertificateFor(login.SslMode, login.RootCertificate) is { } ca)
        {
            // psqlODBC hands libpq options it has no keyword for through pqopt (libpq keyword/value syntax).
            pairs.Add(postgres ? ("pqopt", "sslrootcert=" + LibpqValue(ca)) : ("CaFile", ca));
        }

        return JoinOdbc(pairs);
    }

    /// <summary>The ODBC driver's IAM form: <c>IAM=1;ClusterId=…;Region=…;DbUser=…;AutoCreate=1;DbGroups=…[;EndpointUrl=…]</c>.</summary>
    public static string OdbcIam(IamConnectionSettings settings, string driver = RedshiftOdbcDriver)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var pairs = new List<(string, string)> { ("Driver", driver) };
        if (settings.Host is { } host)
        {
            pairs.Add(("Server", host));
        }

        if (settings.Port is { } port)
        {
            pairs.Add(("Port", port.ToString(CultureInfo.InvariantCulture)));
        }

        pairs.Add(("Database", settings.Database));
        pairs.Add(("IAM", "1"));
        pairs.Add(("ClusterId", settings.ClusterIdentifier));
        pairs.Add(("Region", settings.Region));
        AddIamOptions(pairs, settings, jdbc: false);
        pairs.Add(("SSLMode", SslModeName(settings.SslMode)));
        if (settings.RootCertificate is { } ca)
        {
            pairs.Add(("CaFile", ca));
        }

        return JoinOdbc(pairs);
    }

    /// <summary>
    /// <c>postgresql://user@host:port/db?sslmode=…[&amp;sslrootcert=…]</c> (libpq's URI form). No password: libpq takes it
    /// from <c>PGPASSWORD</c> or <c>.pgpass</c>.
    /// </summary>
    public static string LibpqUri(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var url = new StringBuilder("postgresql://").Append(Uri.EscapeDataString(login.User))
            .Append('@').Append(UriHost(login.Host)).Append(':').Append(login.Port.ToString(CultureInfo.InvariantCulture))
            .Append('/').Append(Uri.EscapeDataString(login.Database));
        var query = new List<(string, string)> { ("sslmode", SslModeName(login.SslMode)) };
        if (RootCertificateFor(login.SslMode, login.RootCertificate) is { } ca)
        {
            query.Add(("sslrootcert", ca));
        }

        return AppendQuery(url, query);
    }

    /// <summary>
    /// <c>host=… port=… dbname=… user=… sslmode=…[ sslrootcert=…]</c> (libpq's keyword/value form, what psycopg2 and
    /// <c>psql</c> take). No password: libpq takes it from <c>PGPASSWORD</c> or <c>.pgpass</c>.
    /// </summary>
    public static string LibpqKeywords(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var pairs = new List<(string, string)>
        {
            ("host", login.Host), ("port", login.Port.ToString(CultureInfo.InvariantCulture)), ("dbname", login.Database), ("user", login.User),
            ("sslmode", SslModeName(login.SslMode)),
        };
        if (RootCertificateFor(login.SslMode, login.RootCertificate) is { } ca)
        {
            pairs.Add(("sslrootcert", ca));
        }

        return string.Join(' ', pairs.Select(p => p.Item1 + "=" + LibpqValue(p.Item2)));
    }

    /// <summary>
    /// A <c>psql</c> command line, <c>psql 'host=… port=… dbname=… user=… sslmode=…'</c> (POSIX shell quoting), that
    /// takes the password from <c>PGPASSWORD</c> in the environment (or <c>.pgpass</c>), never from its arguments,
    /// where every user of the machine could read it.
    /// </summary>
    public static string PsqlCommand(DatabaseLogin login) => "psql " + ShellQuote(LibpqKeywords(login));

    /// <summary>
    /// An Npgsql connection string; with <paramref name="includePassword"/> false it has none and Npgsql takes the
    /// password from <c>PGPASSWORD</c> or <c>.pgpass</c> (what <c>iamdb url</c> prints).
    /// </summary>
    public static string Npgsql(DatabaseLogin login, bool includePassword = true)
    {
        ArgumentNullException.ThrowIfNull(login);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = login.Host,
            Port = login.Port,
            Database = login.Database,
            Username = login.User,
            SslMode = login.SslMode,
        };
        if (includePassword)
        {
            builder.Password = login.Password;
        }

        if (RootCertificateFor(login.SslMode, login.RootCertificate) is { } ca)
        {
            builder.RootCertificate = ca;
        }

        return builder.ConnectionString;
    }

    /// <summary><c>PGHOST</c>, <c>PGPORT</c>, <c>PGDATABASE</c>, <c>PGUSER</c>, <c>PGPASSWORD</c>, <c>PGSSLMODE</c>[, <c>PGSSLROOTCERT</c>].</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PGHOST"] = login.Host,
            ["PGPORT"] = login.Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = login.Database,
            ["PGUSER"] = login.User,
            ["PGPASSWORD"] = login.Password,
            ["PGSSLMODE"] = SslModeName(login.SslMode),
        };
        if (login.RootCertificate is { } ca)
        {
            variables["PGSSLROOTCERT"] = ca;
        }

        return variables;
    }

    /// <summary>POSIX shell <c>export NAME='value'</c> lines for <see cref="EnvironmentVariables"/>.</summary>
    public static string ShellExports(DatabaseLogin login) =>
        string.Concat(EnvironmentVariables(login).Select(v => $"export {v.Key}={ShellQuote(v.Value)}\n"));

    /// <summary>A <c>.pgpass</c> line <c>host:port:db:user:password</c>, with <c>:</c> and <c>\</c> escaped.</summary>
    public static string PgpassLine(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return string.Join(':', new[] { login.Host, login.Port.ToString(CultureInfo.InvariantCulture), login.Database, login.User, login.Password }.Select(PgpassValue));
    }

    private static void AddIamOptions(List<(string, string)> options, IamConnectionSettings settings, bool jdbc)
    {
        if (!settings.GroupFederation && settings.DbUser is { } user)
        {
            options.Add(("DbUser", user));
        }

        if (!settings.GroupFederation && settings.DbGroups is { Count: > 0 } groups)
        {
            options.Add(("DbGroups", string.Join(',', groups)));
        }

        if (!settings.GroupFederation && settings.AutoCreate)
        {
            options.Add(("AutoCreate", jdbc ? "true" : "1"));
        }

        if (settings.GroupFederation)
        {
            options.Add((jdbc ? "groupFederation" : "group_federation", jdbc ? "true" : "1"));
        }

        if (settings.DurationSeconds is { } duration)
        {
            options.Add(("IAMDuration", duration.ToString(CultureInfo.InvariantCulture)));
        }

        if (settings.EndpointUrl is { } endpoint && !Query.AwsServices.IsAwsEndpoint(endpoint))
        {
            options.Add(("EndpointUrl", endpoint.ToString().TrimEnd('/')));
        }

        if (settings.Profile is { } profile)
        {
            options.Add(("Profile", profile));
        }
    }

    private static void AddJdbcTls(List<(string, string)> query, SslMode mode, string? rootCertificate)
    {
        query.Add(("ssl", mode is SslMode.Disable ? "false" : "true"));
        query.Add(("sslmode", SslModeName(mode)));
        if (RootCertificateFor(mode, rootCertificate) is { } ca)
        {
            query.Add(("sslrootcert", ca));
        }
    }

    // The CA file matters only when the mode verifies; naming it otherwise would make libpq verify under require.
    private static string? RootCertificateFor(SslMode mode, string? rootCertificate) =>
        mode is SslMode.VerifyCA or SslMode.VerifyFull ? rootCertificate : null;

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string AppendQuery(StringBuilder url, List<(string Name, string Value)> query)
    {
        for (var i = 0; i < query.Count; i++)
        {
            url.Append(i == 0 ? '?' : '&').Append(query[i].Name).Append('=').Append(Uri.EscapeDataString(query[i].Value));
        }

        return url.ToString();
    }

    private static string JoinOdbc(List<(string Name, string Value)> pairs) =>
        string.Join(';', pairs.Select(p => p.Name + "=" + OdbcValue(p.Value)));

    private static string OdbcValue(string value) =>
        value.Length == 0 || value.AsSpan().IndexOfAny(OdbcSpecial) >= 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])
            ? "{" + value.Replace("}", "}}", StringComparison.Ordinal) + "}"
            : value;

    private static string LibpqValue(string value) =>
        value.Length > 0 && value.All(c => !char.IsWhiteSpace(c) && c is not ('\'' or '\\'))
            ? value
            : "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static string PgpassValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);

    private static string UriHost(string host) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host;
}
