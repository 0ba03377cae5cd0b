using System.Text.Json.Nodes;
using IamDb.Cli.Configuration;

namespace IamDb.Cli.Commands.Env;

/// <summary>The JSON form of a saved environment, shared by <c>env add</c> and <c>env list</c>.</summary>
internal static class EnvOutput
{
    public static JsonObject ToJson(CliEnvironment e) => new()
    {
        ["Name"] = e.Name,
        ["EndpointUrl"] = e.EndpointUrl,
        ["Region"] = e.Region,
        ["ClusterIdentifier"] = e.Cluster,
        ["DbName"] = e.DbName,
        ["DbUser"] = e.DbUser,
        ["DbGroups"] = new JsonArray([.. e.DbGroups.Select(g => (JsonNode)g)]),
        ["AutoCreate"] = e.AutoCreate,
        ["DurationSeconds"] = e.DurationSeconds,
        ["Profile"] = e.Profile,
        ["CaBundle"] = e.CaBundle,
        ["OidcIssuer"] = e.OidcIssuer,
        ["OidcClientId"] = e.OidcClientId,
        ["RoleArn"] = e.RoleArn,
    };
}
