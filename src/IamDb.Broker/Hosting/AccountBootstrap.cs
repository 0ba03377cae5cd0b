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
/// First start on an empty data directory: settle the account id (configured, stored, or generated and stored), create
/// a root access key, and write <c>DATA/credentials</c> and <c>DATA/config</c> (profile <c>iamdb</c>, mode 0600) so the
/// aws CLI works with no other step. Later starts reuse the account and its key.
/// </summary>
internal static class AccountBootstrap
{
    public const string ProfileName = "iamdb";
    public const string CredentialsFileName = "credentials";
    public const string ConfigFileName = "config";

    public static string ResolveAccountId(DataDirectory data, string? configured)
    {
        var path = Path.Combine(data.Path, BrokerOptions.GeneratedAccountIdFileName);
        if (configured is not null)
        {
            if (!File.Exists(path))
            {
                WritePrivate(path, configured + "\n");
            }

            return configured;
        }

        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            if (stored.Length == 12 && stored.All(char.IsAsciiDigit))
            {
                return stored;
            }

            throw new BrokerOptionsException($"account id file `{path}`: does not hold a 12-digit account id");
        }

        // Never starts with 0, so it is not mistaken for the documentation placeholder 000000000000.
        var generated = RandomNumberGenerator.GetInt32(1, 10).ToString(CultureInfo.InvariantCulture)
                        + RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture)
                        + RandomNumberGenerator.GetInt32(0, 1000).ToString("D3", CultureInfo.InvariantCulture);
        WritePrivate(path, generated + "\n");
        return generated;
    }

    public static async Task<BootstrapResult> EnsureRootKeyAsync(
        IStateStore store, DataDirectory data, string accountId, string region, IdentifierGenerator ids, TimeProvider time, CancellationToken ct)
    {
        var (key, created) = await store.WriteAsync(
            async (writer, token) =>
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
            },
            ct);

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
