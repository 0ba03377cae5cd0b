using System.CommandLine;
using IamDb.Broker.Hosting;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Server;

/// <summary>Loads the configuration file, applies overrides and runs the broker until Ctrl-C.</summary>
internal sealed class ServerCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null)
{
    private readonly TextWriter _error = error ?? Console.Error;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        BrokerOptions options;
        try
        {
            options = LoadOptions(parseResult);
        }
        catch (BrokerOptionsException ex)
        {
            await _error.WriteLineAsync(ex.Message);
            return ExitCodes.Usage;
        }

        return await BrokerRunner.RunAsync(options, output ?? Console.Out, _error, ct);
    }

    internal static BrokerOptions LoadOptions(ParseResult parseResult)
    {
        var file = parseResult.GetRequiredValue(ServerCommandDefinition.ConfigOption);
        return BrokerConfigFile.Load(file.FullName, overrides: options => ApplyOverrides(parseResult, options));
    }

    // The command line wins over the file; applied before validation so every reported problem is one that remains.
    private static void ApplyOverrides(ParseResult parseResult, BrokerOptions options)
    {
        if (parseResult.GetValue(ServerCommandDefinition.DataDirOption) is { } dataDir)
        {
            options.DataDirectory = dataDir;
        }

        if (parseResult.GetValue(ServerCommandDefinition.AllowPlainHttpOption))
        {
            options.AllowPlainHttp = true;
        }

        if (parseResult.GetValue(ServerCommandDefinition.PortOption) is { } port)
        {
            var urls = options.Urls.Select(u => new UriBuilder(u) { Port = port }.Uri.GetLeftPart(UriPartial.Authority)).ToList();
            options.Urls.Clear();
            foreach (var url in urls)
            {
                options.Urls.Add(url);
            }
        }
    }
}
