using System.CommandLine;
using System.Globalization;
using IamDb.Broker.Hosting;
using IamDb.Cli.Commands.Server;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Up;

/// <summary>Builds broker options from the command line and runs the broker until Ctrl-C.</summary>
internal sealed class UpCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null)
{
    public Task<int> ExecuteAsync(CancellationToken ct) =>
        BrokerRunner.RunAsync(CreateOptions(parseResult), output ?? Console.Out, error ?? Console.Error, ct);

    internal static BrokerOptions CreateOptions(ParseResult parseResult)
    {
        var options = new BrokerOptions();
        var tls = parseResult.GetValue(UpCommandDefinition.TlsOption);
        var host = parseResult.GetValue(UpCommandDefinition.HostOption) ?? "127.0.0.1";
        var port = parseResult.GetValue(UpCommandDefinition.PortOption);
        options.Urls.Clear();
        options.Urls.Add(string.Create(CultureInfo.InvariantCulture, $"{(tls ? "https" : "http")}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}"));
        options.GenerateTlsCertificate = tls;
        options.AllowPlainHttp = parseResult.GetValue(UpCommandDefinition.AllowPlainHttpOption);
        options.DataDirectory = parseResult.GetValue(UpCommandDefinition.DataDirOption) ?? options.DataDirectory;
        options.AccountId = parseResult.GetValue(UpCommandDefinition.AccountIdOption);
        options.Region = parseResult.GetValue(GlobalOptions.RegionOption) ?? options.Region;
        options.LocalCluster = !parseResult.GetValue(UpCommandDefinition.NoLocalClusterOption);
        return options;
    }
}
