using System.CommandLine;
using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Env.Add;

/// <summary><c>iamdb env add</c>: saves an environment in the config file.</summary>
internal static class EnvAddCommand
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var name = parseResult.GetRequiredValue(EnvCommandDefinition.NameArgument);
        if (!CliConfigFile.IsValidName(name))
        {
            throw new CliUsageException($"'{name}' cannot name an environment: use letters, digits, - and _ (at most 64, starting with a letter or digit).");
        }

        var endpoint = parseResult.GetValue(GlobalOptions.EndpointUrlOption);
        var region = parseResult.GetValue(GlobalOptions.RegionOption);
        if (endpoint is null && region is null)
        {
            throw new CliUsageException("say where the credentials come from: --endpoint-url URL (an IamDb broker) or --region R (AWS).");
        }

        if (endpoint is not null
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            throw new CliUsageException($"--endpoint-url must be an http:// or https:// URL, not '{endpoint}'.");
        }

        var duration = parseResult.GetValue(EnvAddCommandDefinition.DurationOption);
        if (duration is < 900 or > 3600)
        {
            throw new CliUsageException($"--duration must be from 900 to 3600 seconds, not {duration}.");
        }

        var issuer = parseResult.GetValue(EnvAddCommandDefinition.OidcIssuerOption)?.TrimEnd('/');
        var clientId = parseResult.GetValue(EnvAddCommandDefinition.OidcClientIdOption);
        var roleArn = parseResult.GetValue(EnvAddCommandDefinition.RoleArnOption);
        Login.LoginSettings.Validate(issuer, clientId, roleArn, endpoint);

        var environment = new CliEnvironment(
            name,
            endpoint?.TrimEnd('/'),
            region,
            parseResult.GetRequiredValue(EnvAddCommandDefinition.ClusterOption),
            parseResult.GetValue(EnvAddCommandDefinition.DbNameOption),
            parseResult.GetRequiredValue(EnvAddCommandDefinition.DbUserOption),
            parseResult.GetValue(EnvAddCommandDefinition.DbGroupsOption) ?? [],
            parseResult.GetValue(EnvAddCommandDefinition.AutoCreateOption),
            duration,
            parseResult.GetValue(GlobalOptions.ProfileOption),
            ServiceConnection.SavedCaBundle(parseResult.GetValue(GlobalOptions.CaBundleOption)),
            issuer,
            clientId,
            roleArn);

        var path = CliConfigFile.DefaultPath();
        var environments = CliConfigFile.Load(path).ToList();
        var existing = environments.FindIndex(e => e.Name == name);
        if (existing >= 0 && !parseResult.GetValue(EnvAddCommandDefinition.ReplaceOption))
        {
            throw new CliException($"an environment named '{name}' exists already in {path}; pass --replace to overwrite it or `iamdb env remove {name}` first.");
        }

        if (existing >= 0)
        {
            environments[existing] = environment;
        }
        else
        {
            environments.Add(environment);
        }

        CliConfigFile.Save(path, environments);
        if (context.Json)
        {
            context.WriteJson(EnvOutput.ToJson(environment));
        }
        else
        {
            context.Console.MarkupLineInterpolated($"{(existing >= 0 ? "Replaced" : "Saved")} environment [bold]{name}[/] in {path}. Use it with [bold]--env {name}[/].");
        }

        return Task.FromResult(ExitCodes.Ok);
    }
}
