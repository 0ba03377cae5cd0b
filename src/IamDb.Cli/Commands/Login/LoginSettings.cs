using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Login;

/// <summary>The checks of an environment's <c>iamdb login</c> settings when they are saved (<c>iamdb env add</c>).</summary>
internal static class LoginSettings
{
    /// <summary>All three of issuer, client id and role, or none; an https issuer (http only on loopback); a role ARN.</summary>
    public static void Validate(string? issuer, string? clientId, string? roleArn, string? endpoint)
    {
        if (issuer is null && clientId is null && roleArn is null)
        {
            return;
        }

        if (issuer is null || clientId is null || roleArn is null)
        {
            throw new CliUsageException("`iamdb login` needs all three of --oidc-issuer, --oidc-client-id and --role-arn.");
        }

        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new CliUsageException($"--oidc-issuer must be an https:// URL without query or fragment (as the provider's ID tokens name it in `iss`), not '{issuer}'.");
        }

        if (clientId.Length == 0 || clientId.Any(char.IsControl))
        {
            throw new CliUsageException("--oidc-client-id must not be empty.");
        }

        if (!roleArn.StartsWith("arn:", StringComparison.Ordinal) || !roleArn.Contains(":role/", StringComparison.Ordinal))
        {
            throw new CliUsageException($"--role-arn must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME), not '{roleArn}'.");
        }

        _ = endpoint;
    }
}
