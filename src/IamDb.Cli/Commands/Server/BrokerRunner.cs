using IamDb.Broker.Hosting;
using IamDb.Broker.Telemetry;
using IamDb.Cli.Configuration;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Server;

/// <summary>Runs the broker in the foreground for <c>iamdb up</c> and <c>iamdb server</c>: start, announce, wait for Ctrl-C, stop.</summary>
internal static class BrokerRunner
{
    public static async Task<int> RunAsync(BrokerOptions options, TextWriter output, TextWriter error, CancellationToken ct)
    {
        BrokerHost host;
        try
        {
            host = await BrokerHost.StartAsync(options, logging => logging.AddBrokerConsole(options.Logging.Format, options.Logging.Level), ct);
        }
        catch (BrokerOptionsException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM during start: what had started was stopped again (BrokerHost.StartAsync); that is a clean stop.
            await output.WriteLineAsync("IamDb stopped before it was ready.");
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await error.WriteLineAsync($"iamdb: could not start the broker: {ex.Message}");
            return ExitCodes.Failure;
        }

        await using (host)
        {
            var endpoint = host.EndpointUrl;
            var endpointFile = LocalBroker.WriteEndpointFile(host.DataDirectory, endpoint);
            await output.WriteLineAsync($"IamDb ready at {endpoint}");
            await output.WriteLineAsync($"  data directory: {host.DataDirectory}");
            await output.WriteLineAsync($"  account:        {host.AccountId}{(host.CreatedAccount ? " (created now; root key saved in the credentials file)" : string.Empty)}");
            if (host.CaCertificatePath is { } ca)
            {
                await output.WriteLineAsync($"  TLS CA:         {ca} (trust it: AWS_CA_BUNDLE={ca})");
            }

            if (host.MetricsUrl is { } metrics)
            {
                await output.WriteLineAsync($"  metrics:        {metrics}");
            }

            // Not cancelled by a SIGTERM that came meanwhile: the summary is finished, then the broker stops gracefully.
            var clusters = await host.DescribeClustersAsync(CancellationToken.None);
            await output.WriteLineAsync($"  clusters:       {(clusters.Count == 0 ? "none" + (host.LocalClusterSkippedBecause is { } why ? $" (no local cluster: {why})" : string.Empty) : clusters[0])}");
            foreach (var line in clusters.Skip(1))
            {
                await output.WriteLineAsync($"                  {line}");
            }

            if (host.LocalClusterRuns)
            {
                await output.WriteLineAsync(
                    $"  admin:          psql \"$(iamdb clusters admin-url local --data-dir {host.DataDirectory})\" (the local cluster's superuser; only you can use it)");
            }

            await output.WriteLineAsync("  try it:");
            await output.WriteLineAsync(
                $"    AWS_SHARED_CREDENTIALS_FILE={host.CredentialsFilePath} AWS_CONFIG_FILE={host.ConfigFilePath} "
                + $"aws --profile iamdb --endpoint-url {endpoint} sts get-caller-identity");
            await output.WriteLineAsync("  Ctrl-C stops the broker (in-flight requests finish first).");
            await output.FlushAsync(CancellationToken.None);
            try
            {
                await host.WaitForShutdownAsync(ct);
            }
            finally
            {
                LocalBroker.DeleteEndpointFile(endpointFile, endpoint);
            }
        }

        await output.WriteLineAsync("IamDb stopped.");
        return ExitCodes.Ok;
    }
}
