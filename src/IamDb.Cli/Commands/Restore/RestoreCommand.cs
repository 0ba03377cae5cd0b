using System.CommandLine;
using System.Globalization;
using IamDb.Broker.Hosting.Maintenance;
using IamDb.Cli.Commands.Backup;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Restore;

/// <summary>Runs <see cref="StateBackup.RestoreAsync"/> and says what was replaced.</summary>
internal sealed class RestoreCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null)
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _error = error ?? Console.Error;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        if (!StoreSelection.TryRead(parseResult, RestoreCommandDefinition.DataDirOption, RestoreCommandDefinition.ConfigOption, out var options, out var problem))
        {
            await _error.WriteLineAsync($"iamdb restore: {problem}");
            return ExitCodes.Usage;
        }

        try
        {
            var result = await StateBackup.RestoreAsync(options, parseResult.GetValue(RestoreCommandDefinition.FromOption)!, parseResult.GetValue(RestoreCommandDefinition.ForceOption), ct);
            await _output.WriteLineAsync(
                $"Restored {result.StorePath} (schema version {result.SchemaVersion.ToString(CultureInfo.InvariantCulture)}).");
            if (result.PreviousStorePath is { } previous)
            {
                await _output.WriteLineAsync($"The store it replaced is kept as {previous}; delete it once the broker runs as expected.");
            }

            await _output.WriteLineAsync("Start the broker again (iamdb up, iamdb server or systemctl start iamdb).");
            return ExitCodes.Ok;
        }
        catch (StoreMaintenanceException ex)
        {
            await _error.WriteLineAsync($"iamdb restore: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
