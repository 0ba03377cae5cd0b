namespace IamDb.Postgres.LocalServer;

/// <summary>How to create and run a local PostgreSQL server.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>The directory that holds the cluster (<c>data/</c>), its log and socket. This field is required.</summary>
    public required string Directory { get; init; }

    /// <summary>The TCP port on 127.0.0.1. <value>The default value is 0: pick a free port.</value></summary>
    public int Port { get; init; }

    /// <summary>The superuser's name. <value>The default value is <c>postgres</c>.</value></summary>
    public string SuperUser { get; init; } = "postgres";

    /// <summary>
    /// When false, fsync and synchronous commit are off: fast and fine for throwaway test servers, never for data that matters.
    /// <value>The default value is true.</value>
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>The server's <c>max_connections</c>. <value>The default value is 200.</value></summary>
    public int MaxConnections { get; init; } = 200;

    /// <summary>
    /// Serve TLS (<c>ssl = on</c>) with a self-signed certificate generated on first start in the data folder
    /// (<c>server.crt</c>, <c>server.key</c>), because Redshift's drivers insist on SSL for IAM logins.
    /// <value>The default value is false.</value>
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>
    /// With <see cref="Tls"/>: serve this certificate (PEM) instead of generating one; written with
    /// <see cref="TlsPrivateKeyPem"/> at every start. <value>The default value is null: generate one.</value>
    /// </summary>
    public string? TlsCertificatePem { get; init; }

    /// <summary>The private key (PEM) of <see cref="TlsCertificatePem"/>.</summary>
    public string? TlsPrivateKeyPem { get; init; }

    /// <summary>
    /// With <see cref="Tls"/>: <c>pg_hba.conf</c> (rewritten at every start) accepts TCP logins only over TLS
    /// (<c>hostssl</c>; <c>hostnossl</c> is rejected), so no password or credential crosses even loopback in the clear.
    /// <value>The default value is false: initdb's <c>pg_hba.conf</c> is left as it is.</value>
    /// </summary>
    public bool TcpRequiresTls { get; init; }

    /// <summary>Extra <c>postgresql.conf</c> lines appended after IamDb's own settings.</summary>
    public IReadOnlyList<string> ExtraSettings { get; init; } = [];
}
