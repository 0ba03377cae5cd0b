using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IamDb.Broker.Audit;
using IamDb.Broker.Hosting;
using IamDb.Cli.Output;
using Spectre.Console;

namespace IamDb.Cli.Commands.Audit;

/// <summary>Validates the filters, reads the audit trail from the broker's store and prints it as a table or JSON.</summary>
internal sealed class AuditCommand(ParseResult parseResult, TextWriter? output = null, TextWriter? error = null, TimeProvider? time = null)
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TextWriter _error = error ?? Console.Error;

    public async Task<int> ExecuteAsync(CancellationToken ct)
    {
        if (!TryCreateRequest(out var options, out var filter, out var limit, out var json, out var problem))
        {
            await _error.WriteLineAsync($"iamdb audit: {problem}");
            await _error.WriteLineAsync("Run `iamdb audit --help` for the forms each option takes and examples.");
            return ExitCodes.Usage;
        }

        IReadOnlyList<AuditEvent> events;
        try
        {
            await using var trail = await AuditTrailOpener.OpenAsync(options, ct);
            events = await trail.ReadAsync(filter, limit, ct);
        }
        catch (AuditTrailException ex)
        {
            await _error.WriteLineAsync($"iamdb audit: {ex.Message}");
            return ExitCodes.Failure;
        }

        if (json)
        {
            await _output.WriteLineAsync(ToJson(events));
        }
        else
        {
            WriteTable(events, filter);
        }

        return ExitCodes.Ok;
    }

    /// <summary>CloudTrail's file shape, <c>{"Records": [...]}</c>, newest first, indented.</summary>
    internal static string ToJson(IReadOnlyList<AuditEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Records");
            foreach (var item in events)
            {
                using var document = JsonDocument.Parse(item.Json);
                document.RootElement.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private bool TryCreateRequest(out BrokerOptions options, out AuditFilter filter, out int limit, out bool json, out string? problem)
    {
        options = new BrokerOptions();
        filter = new AuditFilter();
        limit = parseResult.GetValue(AuditCommandDefinition.LimitOption);
        json = false;
        problem = null;
        var now = (time ?? TimeProvider.System).GetUtcNow();

        if (parseResult.GetValue(AuditCommandDefinition.ConfigOption) is { } config)
        {
            try
            {
                options = BrokerConfigFile.Load(config.FullName);
            }
            catch (BrokerOptionsException ex)
            {
                problem = ex.Message;
                return false;
            }
        }

        if (parseResult.GetValue(AuditCommandDefinition.DataDirOption) is { } dataDir)
        {
            options.DataDirectory = dataDir;
        }

        DateTimeOffset? since = null;
        DateTimeOffset? until = null;
        if (parseResult.GetValue(AuditCommandDefinition.SinceOption) is { } sinceText)
        {
            if (!AuditTimeParser.TryParse(sinceText, now, out var value))
            {
                problem = $"--since '{sinceText}' is not a time; use {AuditTimeParser.FormsHelp}.";
                return false;
            }

            since = value;
        }

        if (parseResult.GetValue(AuditCommandDefinition.UntilOption) is { } untilText)
        {
            if (!AuditTimeParser.TryParse(untilText, now, out var value))
            {
                problem = $"--until '{untilText}' is not a time; use {AuditTimeParser.FormsHelp}.";
                return false;
            }

            until = value;
        }

        if (since is { } s && until is { } u && s >= u)
        {
            problem = $"--since ({s:yyyy-MM-dd'T'HH:mm:ss'Z'}) must be before --until ({u:yyyy-MM-dd'T'HH:mm:ss'Z'}).";
            return false;
        }

        var outcome = AuditOutcomeFilter.Any;
        if (parseResult.GetValue(AuditCommandDefinition.OutcomeOption) is { } outcomeText)
        {
            switch (outcomeText.Trim().ToLowerInvariant())
            {
                case "success":
                    outcome = AuditOutcomeFilter.Success;
                    break;
                case "denied":
                    outcome = AuditOutcomeFilter.Denied;
                    break;
                case "error":
                    outcome = AuditOutcomeFilter.Error;
                    break;
                default:
                    problem = $"--outcome '{outcomeText}' is not one of success, denied, error.";
                    return false;
            }
        }

        var action = parseResult.GetValue(AuditCommandDefinition.ActionOption);
        if (action is not null && !AuditTrail.TryParseAction(action.Trim(), out _, out _, out var actionProblem))
        {
            problem = $"--action '{action}': {actionProblem}.";
            return false;
        }

        var principal = parseResult.GetValue(AuditCommandDefinition.PrincipalOption)?.Trim();
        if (principal is { Length: 0 })
        {
            problem = "--principal is empty; give an ARN or a user or role name.";
            return false;
        }

        if (limit is < 1 or > 100_000)
        {
            problem = $"--limit {limit.ToString(CultureInfo.InvariantCulture)} is out of range; give 1 to 100000.";
            return false;
        }

        // The global --output (table|json) applies to audit as to every command.
        json = parseResult.GetValue(Output.GlobalOptions.OutputOption) == Output.OutputFormat.Json;

        filter = new AuditFilter { Since = since, Until = until, Principal = principal, Action = action?.Trim(), Outcome = outcome };
        return true;
    }

    private void WriteTable(IReadOnlyList<AuditEvent> events, AuditFilter filter)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output) });
        if (Console.IsOutputRedirected || !ReferenceEquals(_output, Console.Out))
        {
            // A pipe or file has no width; don't wrap ARNs at 80 columns.
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 40 ? columns : 240;
        }

        if (events.Count == 0)
        {
            console.WriteLine(filter == new AuditFilter() ? "No audit records yet." : "No audit records match these filters.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Time (UTC)");
        table.AddColumn("Principal");
        table.AddColumn("Action");
        table.AddColumn("Outcome");
        table.AddColumn("Error");
        table.AddColumn("Source IP");
        table.AddColumn("Decision");
        foreach (var item in events)
        {
            var service = item.EventSource.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? item.EventSource[..^".amazonaws.com".Length] : item.EventSource;
            var outcome = item.Outcome switch
            {
                "success" => "[green]success[/]",
                "denied" => "[red]denied[/]",
                _ => "[yellow]error[/]",
            };
            table.AddRow(
                new Text(item.EventTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                new Text(item.Principal),
                new Text($"{service}:{item.EventName}"),
                new Markup(outcome),
                new Text(item.ErrorCode ?? string.Empty),
                new Text(item.SourceIpAddress),
                new Text(item.Decisions.Count > 0 ? string.Join('\n', item.Decisions) : string.Empty));
        }

        console.Write(table);
        console.WriteLine(events.Count == 1 ? "1 record, newest first." : $"{events.Count} records, newest first.");
    }
}
