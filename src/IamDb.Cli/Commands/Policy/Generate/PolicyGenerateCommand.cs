using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Policy.Generate;

/// <summary>What access a generated policy grants.</summary>
/// <param name="Cluster">Cluster identifier.</param>
/// <param name="DbUser">Database user, or null with <paramref name="BindToUsername"/>.</param>
/// <param name="DbName">Database, or null for any.</param>
/// <param name="DbGroups">Groups that may be joined.</param>
/// <param name="AutoCreate">Whether the user may be created.</param>
/// <param name="BindToUsername">Each IAM user gets only the database user of its own name.</param>
/// <param name="Region">Region in the ARNs (<c>*</c> for any).</param>
/// <param name="Account">Account in the ARNs (<c>*</c> for any).</param>
internal sealed record PolicyGrant(
    string Cluster, string? DbUser, string? DbName, IReadOnlyList<string> DbGroups, bool AutoCreate, bool BindToUsername, string Region, string Account);

/// <summary>Builds the least-privilege policy for a <see cref="PolicyGrant"/>.</summary>
internal static partial class PolicyGenerateCommand
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, CliContext context, CancellationToken ct)
    {
        var grant = new PolicyGrant(
            parseResult.GetRequiredValue(PolicyGenerateCommandDefinition.ClusterOption),
            parseResult.GetValue(PolicyGenerateCommandDefinition.DbUserOption),
            parseResult.GetValue(PolicyGenerateCommandDefinition.DbNameOption),
            parseResult.GetValue(PolicyGenerateCommandDefinition.DbGroupsOption) ?? [],
            parseResult.GetValue(PolicyGenerateCommandDefinition.AutoCreateOption),
            parseResult.GetValue(PolicyGenerateCommandDefinition.BindToUsernameOption),
            parseResult.GetValue(GlobalOptions.RegionOption) ?? "*",
            parseResult.GetValue(PolicyGenerateCommandDefinition.AccountOption) ?? "*");
        Validate(grant);

        // The document is the output in both formats: it is JSON already.
        context.WriteJson(Generate(grant));
        return Task.FromResult(ExitCodes.Ok);
    }

    internal static void Validate(PolicyGrant grant)
    {
        if (grant.BindToUsername == (grant.DbUser is not null))
        {
            throw new CliUsageException(grant.BindToUsername
                ? "--bind-to-username grants each IAM user its own database user; leave out --db-user."
                : "say which database user: --db-user U (or --bind-to-username for each IAM user's own name).");
        }

        if (grant.Account != "*" && !AccountPattern().IsMatch(grant.Account))
        {
            throw new CliUsageException($"--account must be a 12-digit account id, not '{grant.Account}'.");
        }

        foreach (var (option, value) in new[] { ("--cluster", grant.Cluster), ("--db-user", grant.DbUser), ("--db-name", grant.DbName) }
            .Concat(grant.DbGroups.Select(g => ("--db-groups", (string?)g))))
        {
            if (value is not null && (value.Length == 0 || value.IndexOfAny(['*', '?', '/', ':', '$', '"']) >= 0))
            {
                throw new CliUsageException($"{option} '{value}' is not a name (no wildcards, '/', ':', '$' or quotes).");
            }
        }
    }

    /// <summary>The policy document for a grant.</summary>
    internal static JsonObject Generate(PolicyGrant grant)
    {
        string Arn(string type, string name) => $"arn:aws:redshift:{grant.Region}:{grant.Account}:{type}:{grant.Cluster}/{name}";

        var dbUser = grant.BindToUsername ? "${redshift:DbUser}" : grant.DbUser!;
        JsonObject? BindCondition() => grant.BindToUsername
            ? new JsonObject { ["StringEquals"] = new JsonObject { ["redshift:DbUser"] = "${aws:username}" } }
            : null;

        var credentialResources = new JsonArray { Arn("dbuser", dbUser) };
        if (grant.DbName is { } dbName)
        {
            credentialResources.Add(Arn("dbname", dbName));
        }

        var statements = new JsonArray { Statement("GetClusterCredentials", "redshift:GetClusterCredentials", credentialResources, BindCondition()) };
        if (grant.AutoCreate)
        {
            statements.Add(Statement("CreateClusterUser", "redshift:CreateClusterUser", new JsonArray { Arn("dbuser", dbUser) }, BindCondition()));
        }

        if (grant.DbGroups.Count > 0)
        {
            statements.Add(Statement("JoinGroup", "redshift:JoinGroup", new JsonArray([.. grant.DbGroups.Distinct(StringComparer.Ordinal).Select(g => (JsonNode)Arn("dbgroup", g))]), null));
        }

        // iamdb url and iamdb connect describe the cluster (endpoint, engine) and fetch its CA certificate before they log
        // in; the broker authorizes DescribeClusterCertificate as redshift:DescribeClusters, so one action covers both.
        statements.Add(Statement(
            "DescribeCluster", "redshift:DescribeClusters", new JsonArray($"arn:aws:redshift:{grant.Region}:{grant.Account}:cluster:{grant.Cluster}"), null));

        return new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements };
    }

    private static JsonObject Statement(string sid, string action, JsonArray resources, JsonObject? condition)
    {
        var statement = new JsonObject { ["Sid"] = sid, ["Effect"] = "Allow", ["Action"] = action, ["Resource"] = resources };
        if (condition is not null)
        {
            statement["Condition"] = condition;
        }

        return statement;
    }

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}
