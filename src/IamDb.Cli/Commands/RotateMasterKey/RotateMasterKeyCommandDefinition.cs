using System.CommandLine;
using IamDb.Cli.Commands.Backup;

namespace IamDb.Cli.Commands.RotateMasterKey;

/// <summary><c>iamdb rotate-master-key</c>: re-encrypt every stored secret under a new master key.</summary>
internal static class RotateMasterKeyCommandDefinition
{
    public const string Name = "rotate-master-key";

    public static readonly Option<string?> NewKeyEnvOption = new("--new-key-env")
    {
        Description = "The environment variable holding the new key (base64 of 32 bytes). Needed when the current key comes from "
            + "IAMDB_MASTER_KEY or the configuration; without it a key file in the data directory gets a generated key.",
    };

    public static readonly Option<string?> DataDirOption = StoreSelection.DataDirOption();

    public static readonly Option<FileInfo?> ConfigOption = StoreSelection.ConfigOption();

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Re-encrypt every secret in the state store (access key secrets, session secrets, cluster admin passwords, the local "
            + "cluster's password) under a new master key, in one transaction: until it commits the old key still opens the "
            + "store, afterwards only the new one does, so a crash at any point leaves a store that one of the two keys opens. "
            + "Stop the broker first (every node, for a PostgreSQL store); a SQLite store in use is refused.\n\n"
            + "When the key is the data directory's master.key, a new key is generated, written to master.key.new before the "
            + "transaction and moved over master.key after it (the old one is kept as master.key.previous: backups made "
            + "before now still need it). If the command is interrupted, run it again: it finishes or restarts the switch.\n\n"
            + "When the key comes from IAMDB_MASTER_KEY or the configuration, give the new one with --new-key-env, then switch "
            + "IAMDB_MASTER_KEY or the configuration to it on every node before starting them.\n\n"
            + "Examples:\n"
            + "  systemctl stop iamdb && iamdb rotate-master-key --data-dir /var/lib/iamdb && systemctl start iamdb\n"
            + "  NEW_KEY=$(openssl rand -base64 32) iamdb rotate-master-key --config /etc/iamdb/iamdb.toml --new-key-env NEW_KEY\n\n"
            + "Exit codes: 0 rotated, 1 refused or failed (the old key still opens the store), 2 usage error.");
        command.Options.Add(NewKeyEnvOption);
        command.Options.Add(DataDirOption);
        command.Options.Add(ConfigOption);
        command.SetAction((parseResult, ct) => new RotateMasterKeyCommand(parseResult).ExecuteAsync(ct));
        return command;
    }
}
