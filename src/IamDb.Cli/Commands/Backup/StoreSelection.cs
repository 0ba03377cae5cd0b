using System.CommandLine;
using IamDb.Broker.Hosting;

namespace IamDb.Cli.Commands.Backup;

/// <summary>
/// The <c>--data-dir</c> and <c>--config</c> options that name the broker whose store backup, restore and
/// rotate-master-key work on, read the way <c>iamdb up</c> and <c>iamdb server</c> read them.
/// </summary>
internal static class StoreSelection
{
    public static Option<string?> DataDirOption() => new("--data-dir")
    {
        Description = "The broker's data directory (SQLite state and master.key). Default: the same as `iamdb up`'s, ~/.local/share/iamdb.",
    };

    public static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "The broker's TOML configuration (as for `iamdb server`): its data_dir, store and master key.",
    };

    /// <summary>The broker's options from <c>--config</c> (if given) with <c>--data-dir</c> on top; false with the problem.</summary>
    public static bool TryRead(ParseResult parseResult, Option<string?> dataDir, Option<FileInfo?> config, out BrokerOptions options, out string? problem)
    {
        options = new BrokerOptions();
        problem = null;
        if (parseResult.GetValue(config) is { } file)
        {
            try
            {
                options = BrokerConfigFile.Load(file.FullName);
            }
            catch (BrokerOptionsException ex)
            {
                problem = ex.Message;
                return false;
            }
        }

        if (parseResult.GetValue(dataDir) is { } directory)
        {
            options.DataDirectory = directory;
        }

        return true;
    }
}
