using System.Globalization;
using System.Text;
using Npgsql;

namespace IamDb.Client.ConnectionStrings;

/// <summary>
/// Connection strings for a temporary credential (or the drivers' IAM forms), each value escaped by its format's rules:
/// JDBC (URL-encoded query values), ODBC (<c>{…}</c> for values with special characters), libpq URI (percent-encoded)
/// and keyword/value (single-quoted, backslash escapes), Npgsql, <c>PG*</c> environment variables and a <c>.pgpass</c> line.
/// </summary>
public static class ConnectionStringFormats
{
    /// <summary>The Redshift ODBC 2.x driver name.</summary>
    public const string RedshiftOdbcDriver = "Amazon Redshift ODBC Driver (x64)";

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

    /// <summary><c>jdbc:redshift://host:port/db?user=…&amp;password=…&amp;ssl=true&amp;sslmode=…</c></summary>
    public static string Jdbc(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var url = new StringBuilder("jdbc:redshift://").Append(UriHost(login.Host)).Append(':').Append(login.Port.ToString(CultureInfo.InvariantCulture))
            .Append('/').Append(Uri.EscapeDataString(login.Database));
        var query = new List<(string, string)> { ("user", login.User), ("password", login.Password) };
        AddJdbcTls(query, login.SslMode, login.RootCertificate);
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

    /// <summary><c>Driver={…};Server=…;Port=…;Database=…;UID=…;PWD=…;SSLMode=…</c></summary>
    public static string Odbc(DatabaseLogin login, string driver = RedshiftOdbcDriver)
    {
        ArgumentNullException.ThrowIfNull(login);
        var pairs = new List<(string, string)>
        {
            ("Driver", driver), ("Server", login.Host), ("Port", login.Port.ToString(CultureInfo.InvariantCulture)), ("Database", login.Database),
            ("UID", login.User), ("PWD", login.Password), ("SSLMode", SslModeName(login.SslMode)),
        };
        if (login.RootCertificate is { } ca)
        {
            pairs.Add(("CaFile", ca));
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

    /// <summary><c>postgresql://user:password@host:port/db?sslmode=…[&amp;sslrootcert=…]</c> (libpq's URI form).</summary>
    public static string LibpqUri(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var url = new StringBuilder("postgresql://").Append(Uri.EscapeDataString(login.User)).Append(':').Append(Uri.EscapeDataString(login.Password))
            .Append('@').Append(UriHost(login.Host)).Append(':').Append(login.Port.ToString(CultureInfo.InvariantCulture))
            .Append('/').Append(Uri.EscapeDataString(login.Database));
        var query = new List<(string, string)> { ("sslmode", SslModeName(login.SslMode)) };
        if (login.RootCertificate is { } ca)
        {
            query.Add(("sslrootcert", ca));
        }

        return AppendQuery(url, query);
    }

    /// <summary><c>host=… port=… dbname=… user=… password='…' sslmode=…</c> (libpq's keyword/value form).</summary>
    public static string LibpqKeywords(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var pairs = new List<(string, string)>
        {
            ("host", login.Host), ("port", login.Port.ToString(CultureInfo.InvariantCulture)), ("dbname", login.Database), ("user", login.User),
            ("password", login.Password), ("sslmode", SslModeName(login.SslMode)),
        };
        if (login.RootCertificate is { } ca)
        {
            pairs.Add(("sslrootcert", ca));
        }

        return string.Join(' ', pairs.Select(p => p.Item1 + "=" + LibpqValue(p.Item2)));
    }

    /// <summary>An Npgsql connection string.</summary>
    public static string Npgsql(DatabaseLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = login.Host,
            Port = login.Port,
            Database = login.Database,
            Username = login.User,
            Password = login.Password,
            SslMode = login.SslMode,
        };
        if (login.RootCertificate is { } ca)
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
        string.Concat(EnvironmentVariables(login).Select(v => $"export {v.Key}='{v.Value.Replace("'", "'\\''", StringComparison.Ordinal)}'\n"));

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
        if (rootCertificate is { } ca)
        {
            query.Add(("sslrootcert", ca));
        }
    }

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
