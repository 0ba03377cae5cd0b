using IamDb.Client.Redshift;
using Npgsql;

namespace IamDb.Client.ConnectionStrings;

/// <summary>The database engine behind a cluster: it decides the JDBC scheme and the ODBC driver a format names.</summary>
public enum DatabaseEngine
{
    /// <summary>Amazon Redshift: <c>jdbc:redshift://</c> and the Amazon Redshift ODBC driver.</summary>
    Redshift,

    /// <summary>PostgreSQL (an IamDb broker's clusters): <c>jdbc:postgresql://</c> (pgjdbc) and psqlODBC.</summary>
    PostgreSql,
}

/// <summary>A database login with a temporary credential: what every temporary-credential format carries.</summary>
public sealed record DatabaseLogin
{
    /// <summary>The host.</summary>
    public required string Host { get; init; }

    /// <summary>The port (Redshift's default 5439).</summary>
    public int Port { get; init; } = 5439;

    /// <summary>The database.</summary>
    public required string Database { get; init; }

    /// <summary>The login name (the credential's <c>DbUser</c>, verbatim).</summary>
    public required string User { get; init; }

    /// <summary>The temporary password.</summary>
    public required string Password { get; init; }

    /// <summary>TLS mode; Redshift refuses IAM logins without TLS.</summary>
    public SslMode SslMode { get; init; } = SslMode.Require;

    /// <summary>
    /// The CA certificate file to verify the server with; formats name it only for <c>verify-ca</c>/<c>verify-full</c>.
    /// </summary>
    public string? RootCertificate { get; init; }

    /// <summary>The engine (which JDBC scheme and ODBC driver the formats name). <value>Redshift by default.</value></summary>
    public DatabaseEngine Engine { get; init; } = DatabaseEngine.Redshift;

    /// <summary>A login for <paramref name="credentials"/>.</summary>
    public static DatabaseLogin For(
        ClusterCredentials credentials, string host, int port, string database, SslMode sslMode = SslMode.Require, string? rootCertificate = null, DatabaseEngine engine = DatabaseEngine.Redshift)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new DatabaseLogin
        {
            Host = host,
            Port = port,
            Database = database,
            User = credentials.DbUser,
            Password = credentials.DbPassword,
            SslMode = sslMode,
            RootCertificate = rootCertificate,
            Engine = engine,
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"DatabaseLogin {{ {User}@{Host}:{Port}/{Database}, Password = *** }}";
}

/// <summary>
/// The drivers' own IAM form: the Redshift JDBC/ODBC driver calls <c>GetClusterCredentials</c> itself (against
/// <see cref="EndpointUrl"/> when it is not AWS's), so no password is in the string.
/// </summary>
public sealed record IamConnectionSettings
{
    /// <summary>The cluster.</summary>
    public required string ClusterIdentifier { get; init; }

    /// <summary>The region.</summary>
    public required string Region { get; init; }

    /// <summary>The database.</summary>
    public required string Database { get; init; }

    /// <summary>The database user (omitted with <see cref="GroupFederation"/>).</summary>
    public string? DbUser { get; init; }

    /// <summary>Groups to join.</summary>
    public IReadOnlyList<string>? DbGroups { get; init; }

    /// <summary>Create the user when missing.</summary>
    public bool AutoCreate { get; init; }

    /// <summary>The credential's lifetime, 900–3600 s; null for the driver's default.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>The Redshift API endpoint when it is not AWS's (the IamDb broker); null for AWS.</summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>The AWS profile the driver signs with; null for its default chain.</summary>
    public string? Profile { get; init; }

    /// <summary>Use <c>GetClusterCredentialsWithIAM</c> (<c>groupFederation</c>).</summary>
    public bool GroupFederation { get; init; }

    /// <summary>The host, when known (ODBC's <c>Server</c>; JDBC then uses the host form).</summary>
    public string? Host { get; init; }

    /// <summary>The port, when known.</summary>
    public int? Port { get; init; }

    /// <summary>TLS mode.</summary>
    public SslMode SslMode { get; init; } = SslMode.Require;

    /// <summary>The CA certificate file.</summary>
    public string? RootCertificate { get; init; }
}
