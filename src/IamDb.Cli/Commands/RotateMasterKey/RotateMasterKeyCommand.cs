using System.CommandLine;
using System.Globalization;
using IamDb.Broker.Hosting.Maintenance;
using IamDb.Cli.Commands.Backup;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.RotateMasterKey;

/// <summary>Runs <see cref="MasterKeyRotation.RotateAsync(IamDb.Broker.Hosting.BrokerOptions, string?, CancellationToken)"/> and says what to do next.</summary>
internal sealed class RotateMasterKeyCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null)
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _error = error ?? Console.Error;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        if (!StoreSelection.TryRead(parseResult, RotateMasterKeyCommandDefinition.DataDirOption, RotateMasterKeyCommandDefinition.ConfigOption, out var options, out var problem))
        {
            await _error.WriteLineAsync($"iamdb rotate-master-key: {problem}");
            return ExitCodes.Usage;
        }

        string? newKey = null;
        if (parseResult.GetValue(RotateMasterKeyCommandDefinition.NewKeyEnvOption) is { } variable)
        {
            newKey = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(newKey))
            {
                await _error.WriteLineAsync($"iamdb rotate-master-key: --new-key-env {variable}: that environment variable is not set (make a key with: openssl rand -base64 32)");
                return ExitCodes.Usage;
            }
        }

        try
        {
            var result = await MasterKeyRotation.RotateAsync(options, newKey, ct);
            await _output.WriteLineAsync(result.Resumed
                ? "An earlier rotation had committed; finished switching to its key."
                : $"Re-encrypted {result.SecretsReencrypted.ToString(CultureInfo.InvariantCulture)} stored secrets under the new master key.");
            if (result.KeyFilePath is { } keyFile)
            {
                await _output.WriteLineAsync($"The new key is in {keyFile}; the old one is kept as {result.PreviousKeyFilePath}.");
                await _output.WriteLineAsync(
                    "Backups made before now need the old key: store it with them, or delete it if they are gone. Copy the new key "
                    + "to wherever you keep the key apart from the backups.");
            }
            else
            {
                await _output.WriteLineAsync(
                    $"Now switch {result.KeySource} to the new key (the value of --new-key-env) on every node, then start the brokers. "
                    + "The old key no longer opens the store; keep it only with backups made before now.");
            }

            return ExitCodes.Ok;
        }
        catch (StoreMaintenanceException ex)
        {
            await _error.WriteLineAsync($"iamdb rotate-master-key: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
