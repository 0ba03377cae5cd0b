using IamDb.Broker.Secrets;
using Npgsql;
using Tomlyn;
using Tomlyn.Model;

namespace IamDb.Broker.Hosting;

/// <summary>
/// Reads <c>iamdb server --config FILE</c> (TOML) into <see cref="BrokerOptions"/>. Unknown keys, wrong types, a missing
/// master key, a password inside the store's connection string and the validation rules are errors, all reported at
/// once. Example:
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
/// connection_string = "Host=db;Database=iamdb;Username=iamdb"   # never a password here
/// password_env = "IAMDB_STORE_PASSWORD"    # the variable holding the store user's password
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
/// [federation]
/// saml_audience = "https://broker.example/saml"   # accepted besides https://signin.aws.amazon.com/saml
///
/// [logging]
/// format = "json"                          # or "text" (default): one line per entry on stderr
/// level = "information"                    # trace, debug, information, warning, error, critical, none
/// </code>
/// </summary>
public static class BrokerConfigFile
{
    /// <summary>
    /// Reads <paramref name="path"/> into a new <see cref="BrokerOptions"/>. When the file has problems, every one of them is
    /// reported together with what <see cref="BrokerOptions.Validate"/> finds in the rest (after
    /// <paramref name="overrides"/>, the command line's settings), so one unknown key never hides another mistake.
    /// </summary>
    /// <exception cref="BrokerOptionsException">the file cannot be read or has problems (all listed).</exception>
    public static BrokerOptions Load(string path, Func<string, string?>? getEnvironmentVariable = null, Action<BrokerOptions>? overrides = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : ex.Message;
            throw new BrokerOptionsException($"config file `{path}`: {why}", ex);
        }

        var (options, errors) = ParseCore(text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", getEnvironmentVariable);
        overrides?.Invoke(options);
        ThrowIfAny(options, errors);
        return options;
    }

    /// <summary>Parses TOML text; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="BrokerOptionsException">the text has problems (all listed, with the validation of the rest).</exception>
    public static BrokerOptions Parse(string toml, string baseDirectory, Func<string, string?>? getEnvironmentVariable = null)
    {
        var (options, errors) = ParseCore(toml, baseDirectory, getEnvironmentVariable);
        ThrowIfAny(options, errors);
        return options;
    }

    private static void ThrowIfAny(BrokerOptions options, List<string> errors)
    {
        if (errors.Count > 0)
        {
            errors.AddRange(BrokerOptionsValidator.Validate(options).Where(e => !errors.Contains(e)));
            throw new BrokerOptionsException(errors);
        }
    }

    private static (BrokerOptions Options, List<string> Errors) ParseCore(string toml, string baseDirectory, Func<string, string?>? getEnvironmentVariable)
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

        var keyEnv = reader.String("master_key_env");
        var keyFile = reader.String("master_key_file");
        if (keyEnv is not null && keyFile is not null)
        {
            errors.Add("master_key_env and master_key_file: set one of them, not both");
        }

        if (keyEnv is not null)
        {
            options.MasterKey = getEnvironmentVariable(keyEnv);
            if (string.IsNullOrWhiteSpace(options.MasterKey))
            {
                errors.Add(
                    $"master_key_env: environment variable `{keyEnv}` is not set. Set it to the store's master key (base64 of 32 bytes); "
                    + $"for a new store create one with `openssl rand -base64 32` and keep it safe: without it the store cannot be read");
            }
            else
            {
                CheckMasterKey(options.MasterKey, $"master_key_env `{keyEnv}`", errors);
            }
        }

        if (keyFile is not null)
        {
            var keyPath = Resolve(baseDirectory, keyFile);
            options.MasterKey = ReadMasterKeyFile(keyPath, errors);
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

            options.PostgresConnectionString = StoreConnectionString(store.String("connection_string"), store.String("password_env"), getEnvironmentVariable, errors);
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

        if (reader.Table("federation") is { } federation)
        {
            options.SamlAudience = federation.String("saml_audience") ?? options.SamlAudience;
            federation.RejectUnknown();
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
        return (options, errors);
    }

    private static void CheckMasterKey(string base64, string source, List<string> errors)
    {
        try
        {
            MasterKey.Parse(base64, source);
        }
        catch (MasterKeyException ex)
        {
            errors.Add(ex.Message);
        }
    }

    private static string? ReadMasterKeyFile(string path, List<string> errors)
    {
        var create = $"create one, readable only by the broker's user: (umask 077; openssl rand -base64 32 > {path}); "
                     + "keep a copy somewhere safe — without it the store's secrets cannot be read";
        if (!File.Exists(path))
        {
            errors.Add($"master_key_file `{path}`: the file does not exist. For a new store {create}; for an existing store restore the key file it was created with");
            return null;
        }

        if (!OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            errors.Add($"master_key_file `{path}`: other users can access it; run: chmod 600 {path}");
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"master_key_file `{path}`: cannot be read ({ex.Message}); it must be readable by the user the broker runs as");
            return null;
        }

        CheckMasterKey(text, $"master_key_file `{path}`", errors);
        return text;
    }

    // The store's password never lives in the config file: it comes from the variable password_env names.
    private static string? StoreConnectionString(string? connectionString, string? passwordEnv, Func<string, string?> getEnvironmentVariable, List<string> errors)
    {
        if (connectionString is null)
        {
            if (passwordEnv is not null)
            {
                errors.Add("store.password_env: needs store.connection_string (the host, database and user the password is for)");
            }

            return null;
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            errors.Add($"store.connection_string: not a valid PostgreSQL connection string ({ex.Message}); write it as Host=H;Port=5432;Database=D;Username=U");
            return null;
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            errors.Add(
                "store.connection_string: holds a password, which a config file must not; remove `Password=…` from it and set "
                + "store.password_env = \"IAMDB_STORE_PASSWORD\" (the name of an environment variable the broker is started with that holds the password)");
            return null;
        }

        if (passwordEnv is not null)
        {
            var password = getEnvironmentVariable(passwordEnv);
            if (string.IsNullOrEmpty(password))
            {
                errors.Add($"store.password_env: environment variable `{passwordEnv}` is not set (it must hold the password of the store's PostgreSQL user `{builder.Username}`)");
                return null;
            }

            builder.Password = password;
        }

        return builder.ConnectionString;
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
