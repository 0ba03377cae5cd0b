using System.Globalization;
using System.Security.Cryptography;
using IamDb.Aws.Identifiers;
using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Hosting;

/// <summary>What <see cref="AccountBootstrap"/> found or created.</summary>
/// <param name="AccountId">The account served.</param>
/// <param name="RootAccessKeyId">The root access key written to the credentials file.</param>
/// <param name="Created">True when this start created the account's root key (first start).</param>
internal sealed record BootstrapResult(string AccountId, string RootAccessKeyId, bool Created);

/// <summary>
/// Settles the account a node serves and its root key. The account lives in the store (metadata <c>account_id</c>): the
/// first node to start on a store records it (configured, or adopted from the data directory or from a store made by
/// an older version, or generated) and creates its root key, all in one transaction under the store's exclusive lock;
/// every later node adopts it, and a node configured for another account refuses to start. No node ever creates a
/// second account. The root key is written to <c>DATA/credentials</c> and <c>DATA/config</c> (profile <c>iamdb</c>,
/// mode 0600) so the aws CLI works with no other step.
/// </summary>
internal static class AccountBootstrap
{
    public const string ProfileName = "iamdb";
    public const string CredentialsFileName = "credentials";
    public const string ConfigFileName = "config";

    /// <summary>The store metadata key that holds the account id.</summary>
    internal const string AccountMetadataKey = "account_id";

    /// <summary>Settles the account with the store and makes sure it has a root key; writes the profile files.</summary>
    /// <exception cref="BrokerOptionsException">this node's configuration or data directory names another account than the store.</exception>
    public static async Task<BootstrapResult> EnsureAccountAsync(
        IStoreCoordination store, DataDirectory data, string? configured, string region, IdentifierGenerator ids, TimeProvider time, CancellationToken ct)
    {
        var accountFile = Path.Combine(data.Path, BrokerOptions.GeneratedAccountIdFileName);
        var remembered = ReadAccountFile(accountFile);
        var (accountId, key, created) = await store.WriteExclusiveAsync(
            async (writer, token) =>
            {
                var stored = await writer.GetMetadataAsync(AccountMetadataKey, token);
                if (stored is null)
                {
                    stored = Choose(configured, remembered, await writer.ListAccountsWithRootKeysAsync(token));
                    await writer.AddMetadataAsync(AccountMetadataKey, stored, token);
                }

                CheckAgrees(stored, configured, remembered, accountFile);
                var (rootKey, made) = await EnsureRootKeyAsync(writer.State, stored, ids, time, token);
                return (stored, rootKey, made);
            },
            ct);

        if (remembered != accountId)
        {
            WritePrivate(accountFile, accountId + "\n");
        }

        // [default] repeats the root key so the aws CLI, the SDKs and iamdb find it with only AWS_SHARED_CREDENTIALS_FILE and
        // AWS_CONFIG_FILE exported (no --profile / AWS_PROFILE), as the README's sequence does.
        var credentialsPath = Path.Combine(data.Path, CredentialsFileName);
        if (created || !File.Exists(credentialsPath))
        {
            WritePrivate(
                credentialsPath,
                $"[{ProfileName}]\naws_access_key_id = {key.AccessKeyId}\naws_secret_access_key = {key.SecretAccessKey.Reveal()}\n"
                + $"\n[default]\naws_access_key_id = {key.AccessKeyId}\naws_secret_access_key = {key.SecretAccessKey.Reveal()}\n");
        }

        var configPath = Path.Combine(data.Path, ConfigFileName);
        if (created || !File.Exists(configPath))
        {
            WritePrivate(configPath, $"[profile {ProfileName}]\nregion = {region}\noutput = json\n\n[default]\nregion = {region}\noutput = json\n");
        }

        return new BootstrapResult(accountId, key.AccessKeyId, created);
    }

    /// <summary>
    /// The account to record in a store that has none yet: the configured one; else the one account a store made by an
    /// older version already holds; else the one this data directory served; else a new one. A store in which older
    /// nodes each made their own account cannot be settled by guessing.
    /// </summary>
    internal static string Choose(string? configured, string? remembered, IReadOnlyList<string> accountsInStore)
    {
        if (configured is not null)
        {
            return configured;
        }

        if (accountsInStore.Count > 1)
        {
            throw new BrokerOptionsException(
                $"the state store holds root keys of several accounts ({string.Join(", ", accountsInStore)}), made by nodes of an older IamDb "
                + "that each created their own; set account_id in the configuration of every node to the account they serve");
        }

        return accountsInStore.Count == 1 ? accountsInStore[0] : remembered ?? Generate();
    }

    /// <summary>Refuses a node whose configuration or data directory names another account than the store holds.</summary>
    internal static void CheckAgrees(string stored, string? configured, string? remembered, string accountFile)
    {
        if (configured is not null && configured != stored)
        {
            throw new BrokerOptionsException(
                $"account_id = \"{configured}\" is configured, but the state store already serves account {stored}; "
                + $"every node on one store serves its account: set account_id = \"{stored}\" (or remove it), or give this node a store of its own");
        }

        if (configured is null && remembered is not null && remembered != stored)
        {
            throw new BrokerOptionsException(
                $"the data directory served account {remembered} (file `{accountFile}`), but the state store serves account {stored}; "
                + $"set account_id = \"{stored}\" to serve the store's account from this data directory, or use a fresh data directory");
        }
    }

    private static string? ReadAccountFile(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var stored = File.ReadAllText(path).Trim();
        return stored.Length == 12 && stored.All(char.IsAsciiDigit)
            ? stored
            : throw new BrokerOptionsException($"account id file `{path}`: does not hold a 12-digit account id");
    }

    // Never starts with 0, so it is not mistaken for the documentation placeholder 000000000000.
    private static string Generate() =>
        RandomNumberGenerator.GetInt32(1, 10).ToString(CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetInt32(0, 1000).ToString("D3", CultureInfo.InvariantCulture);

    private static async Task<(AccessKey Key, bool Created)> EnsureRootKeyAsync(
        IStateWriter writer, string accountId, IdentifierGenerator ids, TimeProvider time, CancellationToken token)
    {
        var existing = await writer.AccessKeys.ListAsync(accountId, null, token);
        var active = existing.FirstOrDefault(k => k.Status == AccessKeyStatus.Active) ?? (existing.Count > 0 ? existing[0] : null);
        if (active is not null)
        {
            return (active, false);
        }

        var fresh = new AccessKey(
            ids.NewLongTermAccessKeyId(), accountId, null, new SecretString(ids.NewSecretAccessKey()), AccessKeyStatus.Active, time.GetUtcNow());
        return (await writer.AccessKeys.CreateAsync(fresh, token), true);
    }

    /// <summary>
    /// Sets <c>ca_bundle = <paramref name="caPath"/></c> in the <c>[profile iamdb]</c> and <c>[default]</c> sections of the
    /// generated AWS config file, so that the aws CLI and <c>iamdb</c> with only the generated files exported trust the
    /// broker's own CA. Other sections and lines (an operator's edits) stay as they are; the file is rewritten only when
    /// something changes, and left alone when it is missing.
    /// </summary>
    internal static void WriteCaBundle(string configPath, string caPath)
    {
        if (!File.Exists(configPath))
        {
            return;
        }

        var lines = File.ReadAllLines(configPath).ToList();
        var setting = $"ca_bundle = {caPath}";
        var result = new List<string>(lines.Count + 2);
        var ours = false;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith('['))
            {
                ours = trimmed is "[default]" || trimmed == $"[profile {ProfileName}]";
                result.Add(line);
                if (ours)
                {
                    result.Add(setting);
                }

                continue;
            }

            if (ours && trimmed.StartsWith("ca_bundle", StringComparison.Ordinal) && trimmed[9..].TrimStart().StartsWith('='))
            {
                continue; // replaced by the line after the section header
            }

            result.Add(line);
        }

        if (!result.SequenceEqual(lines, StringComparer.Ordinal))
        {
            WritePrivate(configPath, string.Join('\n', result) + "\n");
        }
    }

    /// <summary>Writes a file readable only by its owner, replacing any old one atomically.</summary>
    internal static void WritePrivate(string path, string content)
    {
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
