using Tomlyn;
using Tomlyn.Model;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Reads <c>iamdb server --config FILE</c> (TOML) into <see cref="BrokerOptions"/>. Unknown keys and wrong types are
/// errors, all reported at once. Example:
/// <code>
/// urls = ["http://127.0.0.1:8080"]
/// data_dir = "/var/lib/iamdb"
/// account_id = "123456789012"
/// region = "eu-west-1"
/// max_request_body_bytes = 1048576
/// credential_cache_seconds = 2
/// master_key_env = "IAMDB_MASTER_KEY"      # or master_key_file = "/etc/iamdb/master.key"
///
/// [store]
/// kind = "postgres"                        # or "sqlite" (default, in data_dir)
/// connection_string = "Host=db;Database=iamdb;Username=iamdb"
///
/// [throttling]
/// rate_per_second = 100
/// burst = 200
///
/// [tls]
/// certificate = "/etc/iamdb/server.pem"    # with key = "/etc/iamdb/server.key"; or generate = true
///
/// [redshift]
/// max_credential_duration_seconds = 3600
/// reaper = true
/// reaper_interval_seconds = 30
/// max_session_age_seconds = 43200          # unset: sessions of expired credentials run until they end
/// local_cluster = false
///
/// [metrics]
/// enabled = true                           # GET /metrics, Prometheus text format
/// listen = "127.0.0.1:9464"                # unset: served on the urls above
/// live_credentials_interval_seconds = 15
///
/// [logging]
/// format = "json"                          # or "text" (default): one line per entry on stderr
/// level = "information"                    # trace, debug, information, warning, error, critical, none
/// </code>
/// </summary>
public static class BrokerConfigFile
{
    /// <summary>Reads <paramref name="path"/> into a new <see cref="BrokerOptions"/> (not yet validated).</summary>
    /// <exception cref="BrokerOptionsException">the file cannot be read or has unknown keys or wrong types.</exception>
    public static BrokerOptions Load(string path, Func<string, string?>? getEnvironmentVariable = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BrokerOptionsException($"config file `{path}`: {ex.Message}", ex);
        }

        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", getEnvironmentVariable);
    }

    /// <summary>Parses TOML text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    public static BrokerOptions Parse(string toml, string baseDirectory, Func<string, string?>? getEnvironmentVariable = null)
    {
        getEnvironmentVariable ??= Environment.GetEnvironmentVariable;
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(toml, (TomlSerializerOptions?)null) ?? new TomlTable();
        }
        catch (TomlException ex)
        {
            throw new BrokerOptionsException($"config file: {ex.Message}", ex);
        }

        var errors = new List<string>();
        var options = new BrokerOptions();
        var reader = new TableReader(root, string.Empty, errors);
        if (reader.StringList("urls") is { } urls)
        {
            options.Urls.Clear();
            foreach (var url in urls)
            {
                options.Urls.Add(url);
            }
        }

        if (reader.String("data_dir") is { } dataDir)
        {
            options.DataDirectory = Resolve(baseDirectory, dataDir);
        }

        options.AccountId = reader.String("account_id") ?? options.AccountId;
        options.Region = reader.String("region") ?? options.Region;
        options.MaxRequestBodyBytes = (int?)reader.Integer("max_request_body_bytes") ?? options.MaxRequestBodyBytes;
        options.AllowPlainHttp = reader.Boolean("allow_plain_http") ?? options.AllowPlainHttp;
        if (reader.Number("credential_cache_seconds") is { } ttl)
        {
            options.CredentialCacheTtl = TimeSpan.FromSeconds(ttl);
        }

        if (reader.String("master_key_env") is { } keyEnv)
        {
            options.MasterKey = getEnvironmentVariable(keyEnv);
            if (string.IsNullOrWhiteSpace(options.MasterKey))
            {
                errors.Add($"master_key_env: environment variable `{keyEnv}` is not set");
            }
        }

        if (reader.String("master_key_file") is { } keyFile)
        {
            try
            {
                options.MasterKey = File.ReadAllText(Resolve(baseDirectory, keyFile)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"master_key_file `{keyFile}`: {ex.Message}");
            }
        }

        if (reader.Table("store") is { } store)
        {
            switch (store.String("kind"))
            {
                case null or "sqlite":
                    options.Store = StoreKind.Sqlite;
                    break;
                case "postgres" or "postgresql":
                    options.Store = StoreKind.Postgres;
                    break;
                case var other:
                    errors.Add($"store.kind `{other}`: must be `sqlite` or `postgres`");
                    break;
            }

            options.PostgresConnectionString = store.String("connection_string");
            store.RejectUnknown();
        }

        if (reader.Table("throttling") is { } throttling)
        {
            options.ThrottleRatePerSecond = throttling.Number("rate_per_second") ?? options.ThrottleRatePerSecond;
            options.ThrottleBurst = (int?)throttling.Integer("burst") ?? options.ThrottleBurst;
            options.FailedAuthenticationBurst = (int?)throttling.Integer("failed_auth_burst") ?? options.FailedAuthenticationBurst;
            options.FailedAuthenticationRatePerSecond = throttling.Number("failed_auth_rate_per_second") ?? options.FailedAuthenticationRatePerSecond;
            throttling.RejectUnknown();
        }

        if (reader.Table("tls") is { } tls)
        {
            options.TlsCertificatePath = tls.String("certificate") is { } cert ? Resolve(baseDirectory, cert) : null;
            options.TlsKeyPath = tls.String("key") is { } key ? Resolve(baseDirectory, key) : null;
            options.GenerateTlsCertificate = tls.Boolean("generate") ?? false;
            tls.RejectUnknown();
        }

        if (reader.Table("redshift") is { } redshift)
        {
            options.MaxCredentialDurationSeconds = (int?)redshift.Integer("max_credential_duration_seconds") ?? options.MaxCredentialDurationSeconds;
            options.ReaperEnabled = redshift.Boolean("reaper") ?? options.ReaperEnabled;
            if (redshift.Number("reaper_interval_seconds") is { } interval)
            {
                options.ReaperInterval = TimeSpan.FromSeconds(interval);
            }

            if (redshift.Number("max_session_age_seconds") is { } age)
            {
                options.MaxSessionAge = TimeSpan.FromSeconds(age);
            }

            options.LocalCluster = redshift.Boolean("local_cluster") ?? options.LocalCluster;
            redshift.RejectUnknown();
        }

        if (reader.Table("metrics") is { } metrics)
        {
            options.Metrics.Enabled = metrics.Boolean("enabled") ?? options.Metrics.Enabled;
            options.Metrics.Listen = metrics.String("listen") ?? options.Metrics.Listen;
            if (metrics.Number("live_credentials_interval_seconds") is { } liveInterval)
            {
                options.Metrics.LiveCredentialsInterval = TimeSpan.FromSeconds(liveInterval);
            }

            metrics.RejectUnknown();
        }

        if (reader.Table("logging") is { } logging)
        {
            switch (logging.String("format"))
            {
                case null:
                    break;
                case var format when Enum.TryParse<Telemetry.LogFormat>(format, ignoreCase: true, out var parsed) && !char.IsAsciiDigit(format[0]):
                    options.Logging.Format = parsed;
                    break;
                case var other:
                    errors.Add($"logging.format `{other}`: must be `text` or `json`");
                    break;
            }

            switch (logging.String("level"))
            {
                case null:
                    break;
                case var level when Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(level, ignoreCase: true, out var parsed) && !char.IsAsciiDigit(level[0]):
                    options.Logging.Level = parsed;
                    break;
                case var other:
                    errors.Add($"logging.level `{other}`: must be trace, debug, information, warning, error, critical or none");
                    break;
            }

            logging.RejectUnknown();
        }

        reader.RejectUnknown();
        if (errors.Count > 0)
        {
            throw new BrokerOptionsException(errors);
        }

        return options;
    }

    private static string Resolve(string baseDirectory, string path) =>
        path.StartsWith('~') ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~', '/'))
            : Path.GetFullPath(path, baseDirectory);

    /// <summary>Typed access to one table that remembers which keys were read, so the rest can be reported.</summary>
    private sealed class TableReader(TomlTable table, string prefix, List<string> errors)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public string? String(string key) => GetString(key);

        public bool? Boolean(string key) => GetValue<bool>(key, "true or false") is var (found, value) && found ? value : null;

        public long? Integer(string key) => GetValue<long>(key, "an integer") is var (found, value) && found ? value : null;

        public double? Number(string key)
        {
            _read.Add(key);
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            return value switch
            {
                long l => l,
                double d => d,
                _ => Wrong(key, "a number"),
            };
        }

        public List<string>? StringList(string key)
        {
            _read.Add(key);
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            if (value is TomlArray array && array.All(v => v is string))
            {
                return array.Cast<string>().ToList();
            }

            errors.Add($"{prefix}{key}: must be a list of strings");
            return null;
        }

        public TableReader? Table(string key)
        {
            _read.Add(key);
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            if (value is TomlTable nested)
            {
                return new TableReader(nested, $"{prefix}{key}.", errors);
            }

            errors.Add($"{prefix}{key}: must be a table ([{key}])");
            return null;
        }

        public void RejectUnknown()
        {
            foreach (var key in table.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal))
            {
                errors.Add($"{prefix}{key}: unknown setting");
            }
        }

        private string? GetString(string key)
        {
            _read.Add(key);
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            if (value is string text)
            {
                return text;
            }

            errors.Add($"{prefix}{key}: must be a string");
            return null;
        }

        private (bool Found, T Value) GetValue<T>(string key, string expected)
            where T : struct
        {
            _read.Add(key);
            if (!table.TryGetValue(key, out var value))
            {
                return (false, default);
            }

            if (value is T typed)
            {
                return (true, typed);
            }

            errors.Add($"{prefix}{key}: must be {expected}");
            return (false, default);
        }

        private double? Wrong(string key, string expected)
        {
            errors.Add($"{prefix}{key}: must be {expected}");
            return null;
        }
    }
}
