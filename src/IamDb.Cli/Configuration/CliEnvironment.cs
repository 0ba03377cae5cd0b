namespace IamDb.Cli.Configuration;

/// <summary>
/// A saved environment: where the broker (or AWS) is, which cluster, database and database user to ask credentials
/// for, and with which AWS profile.
/// </summary>
/// <param name="Name">The name used with <c>--env</c>.</param>
/// <param name="EndpointUrl">Broker endpoint; null means AWS's own endpoint for <paramref name="Region"/>.</param>
/// <param name="Region">AWS region, or null for the profile's.</param>
/// <param name="Cluster">Cluster identifier.</param>
/// <param name="DbName">Database name, or null for any database.</param>
/// <param name="DbUser">Database user to obtain credentials for.</param>
/// <param name="DbGroups">Database groups to join for the session.</param>
/// <param name="AutoCreate">Create the database user if it does not exist.</param>
/// <param name="DurationSeconds">Credential lifetime (900–3600), or null for the service default (900).</param>
/// <param name="Profile">AWS profile for the signing credentials, or null for the default chain.</param>
/// <param name="CaBundle">A PEM file of extra CAs to trust for the broker's HTTPS (and the identity provider's), or null.</param>
/// <param name="OidcIssuer">The OpenID Connect issuer <c>iamdb login</c> signs in with, or null.</param>
/// <param name="OidcClientId">The client id registered for iamdb at that issuer (the ID token's audience).</param>
/// <param name="RoleArn">The role <c>iamdb login</c> assumes with the ID token (<c>AssumeRoleWithWebIdentity</c>).</param>
internal sealed record CliEnvironment(
    string Name,
    string? EndpointUrl,
    string? Region,
    string Cluster,
    string? DbName,
    string DbUser,
    IReadOnlyList<string> DbGroups,
    bool AutoCreate,
    int? DurationSeconds,
    string? Profile,
    string? CaBundle = null,
    string? OidcIssuer = null,
    string? OidcClientId = null,
    string? RoleArn = null)
{
    /// <summary>True when <c>iamdb login</c> is set up for this environment (issuer, client id and role).</summary>
    public bool UsesLogin => OidcIssuer is not null && OidcClientId is not null && RoleArn is not null;
}
