using System.CommandLine;
using System.Globalization;
using IamDb.Broker.Hosting.Maintenance;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Backup;

/// <summary>Runs <see cref="StateBackup.BackupAsync"/> and says what was written and where the key must be kept.</summary>
internal sealed class BackupCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null)
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _error = error ?? Console.Error;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        if (!StoreSelection.TryRead(parseResult, BackupCommandDefinition.DataDirOption, BackupCommandDefinition.ConfigOption, out var options, out var problem))
        {
            await _error.WriteLineAsync($"iamdb backup: {problem}");
            return ExitCodes.Usage;
        }

        try
        {
            var result = await StateBackup.BackupAsync(options, parseResult.GetValue(BackupCommandDefinition.OutOption)!, parseResult.GetValue(BackupCommandDefinition.ForceOption), ct);
            await _output.WriteLineAsync(
                $"Backed up {result.SourcePath} to {result.BackupPath} ({result.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, "
                + $"schema version {result.SchemaVersion.ToString(CultureInfo.InvariantCulture)}).");
            await _output.WriteLineAsync(
                "The master key is not in the backup. Restoring it needs the key this store uses now: keep a copy of that key "
                + "(master.key or IAMDB_MASTER_KEY) somewhere other than the backups.");
            return ExitCodes.Ok;
        }
        catch (StoreMaintenanceException ex)
        {
            await _error.WriteLineAsync($"iamdb backup: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
