using System.CommandLine;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.Query;
using IamDb.Client.Redshift;
using IamDb.Policy.AccessReview;
using Spectre.Console;

namespace IamDb.Cli.Commands.AccessReview;

/// <summary>Fetches the account's IAM details and clusters, runs <see cref="AccessAnalyzer"/>, prints the review.</summary>
internal static class AccessReviewCommand
{
    private const int MaxPages = 1000;

    public static async Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        using var connection = ServiceConnection.Open(parseResult);
        var only = parseResult.GetValue(AccessReviewCommandDefinition.ClusterOption);
        var report = await context.SpinAsync($"Reading IAM and clusters from {connection.Description}...", async () =>
        {
            var identity = await connection.CallAsync(connection.Request(AwsServices.Sts, "GetCallerIdentity"), ct);
            var account = identity.Result.Text("Account") ?? throw new InvalidDataException("GetCallerIdentity answered without Account.");
            var pages = await AuthorizationPagesAsync(connection, ct);
            var clusters = await ClustersAsync(connection.Redshift, only, ct);
            var details = AuthorizationDetailsXml.Read(account, pages);
            return AccessAnalyzer.Analyze(details, [.. clusters.Select(c => new ClusterRef(c, connection.Region, account))]);
        });

        if (context.Json)
        {
            context.WriteJson(ToJson(report));
            return ExitCodes.Ok;
        }

        foreach (var warning in report.Warnings)
        {
            context.Console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        }

        if (report.Entries.Count == 0)
        {
            context.Console.WriteLine("Nobody can obtain credentials for any database user on the reviewed clusters.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("Cluster", "DB user", "Principal", "Through");
        foreach (var entry in report.Entries)
        {
            var first = true;
            foreach (var grant in entry.Principals)
            {
                var who = grant.Kind switch
                {
                    ReviewPrincipalKind.Group => $"group {grant.Name} (members: {string.Join(", ", grant.Members)})",
                    _ => $"{grant.Kind.ToString().ToLowerInvariant()} {grant.Name}",
                };

                // A role people or workloads sign in to through an identity provider: say which, and with which claims.
                if (grant.Federated.Count > 0)
                {
                    who += "\n" + string.Join("\n", grant.Federated.Select(f => "  " + f.Describe()));
                }

                table.AddRow(
                    first ? Markup.Escape(entry.Cluster) : string.Empty,
                    first ? Markup.Escape(entry.IsPattern ? $"{entry.DbUser} (pattern)" : entry.DbUser) : string.Empty,
                    Markup.Escape(who),
                    Markup.Escape(string.Join("\n", grant.Statements)));
                first = false;
            }
        }

        context.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<List<XElement>> AuthorizationPagesAsync(ServiceConnection connection, CancellationToken ct)
    {
        var pages = new List<XElement>();
        string? marker = null;
        for (var i = 0; i < MaxPages; i++)
        {
            var request = connection.Request(AwsServices.Iam, "GetAccountAuthorizationDetails")
                .AddList("Filter", ["User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"])
                .Add("Marker", marker);
            var response = await connection.CallAsync(request, ct);
            if (response.Result is { } result)
            {
                pages.Add(result);
            }

            marker = response.Result.Text("IsTruncated") == "true" ? response.Result.Text("Marker") : null;
            if (string.IsNullOrEmpty(marker))
            {
                return pages;
            }
        }

        throw new InvalidDataException($"GetAccountAuthorizationDetails returned more than {MaxPages} pages.");
    }

    private static async Task<List<string>> ClustersAsync(RedshiftClient redshift, string? only, CancellationToken ct)
    {
        if (only is not null)
        {
            return [(await redshift.DescribeClusterAsync(only, ct)).ClusterIdentifier];
        }

        var clusters = new List<string>();
        string? marker = null;
        for (var i = 0; i < MaxPages; i++)
        {
            var page = await redshift.DescribeClustersAsync(new DescribeClustersRequest { Marker = marker }, ct);
            clusters.AddRange(page.Clusters.Select(c => c.ClusterIdentifier));
            marker = page.Marker;
            if (marker is null)
            {
                return clusters;
            }
        }

        throw new InvalidDataException($"DescribeClusters returned more than {MaxPages} pages.");
    }

    internal static JsonObject ToJson(AccessReviewReport report) => new()
    {
        ["Entries"] = new JsonArray([.. report.Entries.Select(e => (JsonNode)new JsonObject
        {
            ["ClusterIdentifier"] = e.Cluster,
            ["DbUser"] = e.DbUser,
            ["IsPattern"] = e.IsPattern,
            ["Principals"] = new JsonArray([.. e.Principals.Select(p => (JsonNode)new JsonObject
            {
                ["Type"] = p.Kind.ToString(),
                ["Name"] = p.Name,
                ["Arn"] = p.Arn,
                ["Statements"] = new JsonArray([.. p.Statements.Select(s => (JsonNode)s)]),
                ["Members"] = new JsonArray([.. p.Members.Select(m => (JsonNode)m)]),
                ["Federated"] = new JsonArray([.. p.Federated.Select(f => (JsonNode)new JsonObject
                {
                    ["ProviderArn"] = f.ProviderArn,
                    ["Action"] = f.Action,
                    ["Conditions"] = new JsonArray([.. f.Conditions.Select(c => (JsonNode)c)]),
                    ["Statement"] = f.Statement,
                })]),
            })]),
        })]),
        ["Warnings"] = new JsonArray([.. report.Warnings.Select(w => (JsonNode)w)]),
    };
}
