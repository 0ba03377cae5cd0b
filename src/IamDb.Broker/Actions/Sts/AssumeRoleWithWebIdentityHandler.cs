using System.Text.Json;
using IamDb.Aws.Arns;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Sts;

/// <summary>
/// <c>sts:AssumeRoleWithWebIdentity</c>, accepted unsigned: the OpenID Connect token is the credential. The token is
/// verified against the provider registered for its <c>iss</c>; the role's trust policy must allow the provider's users
/// by itself; the session is then an ordinary role session.
/// </summary>
internal sealed class AssumeRoleWithWebIdentityHandler : IActionHandler
{
    private static readonly StringConstraints SessionName = new(2, 64, @"[\w+=,.@-]*");
    private static readonly StringConstraints RoleArnText = new(20, 2048);
    private static readonly StringConstraints Token = new(4, 20_000);
    private static readonly StringConstraints ProviderId = new(4, 2048);

    public string Service => "sts";

    public string Action => "AssumeRoleWithWebIdentity";

    public ValueTask<ActionOutcome> HandleAsync(ActionContext context, CancellationToken ct)
    {
        var reader = new QueryParameterReader(context.Request.Parameters, QueryValidationStyle.ValidationError);
        var roleArnText = reader.RequiredString("RoleArn", RoleArnText);
        reader.RequiredString("RoleSessionName", SessionName);
        var token = reader.RequiredString("WebIdentityToken", Token);
        reader.OptionalString("ProviderId", ProviderId);
        var sessionParameters = SessionPolicyParameters.Read(reader);
        if (reader.TryGetError(out var error))
        {
            throw new AwsErrorException(error);
        }

        if (!Arn.TryParse(roleArnText, out var roleArn, out _) || !roleArn.TryGetIamEntity(out var entityType, out _, out _) ||
            entityType != IamEntityType.Role)
        {
            throw new AwsErrorException(new AwsError(AwsErrorCodes.ValidationError, $"{roleArnText} is invalid", 400));
        }

        RoleSessionIssuer.CheckBeforeLookup(sessionParameters, []);
        var issuer = UnverifiedIssuer(token);
        throw new AwsErrorException(new AwsError("InvalidIdentityToken", $"No OpenIDConnect provider found in your account for {issuer}", 400))
        {
            Notes = ["InvalidIdentityToken: no OpenID Connect provider is registered for the token's issuer"],
        };
    }

    /// <summary>The token's <c>iss</c> claim, read without verifying anything (it only selects the provider).</summary>
    private static string UnverifiedIssuer(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw Invalid("The web identity token is not a signed JWT (three base64url parts).");
        }

        try
        {
            var padded = parts[1].Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            using var payload = JsonDocument.Parse(Convert.FromBase64String(padded));
            if (payload.RootElement.ValueKind == JsonValueKind.Object &&
                payload.RootElement.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String && iss.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw Invalid("The web identity token could not be read: its payload is not base64url-encoded JSON.");
        }

        throw Invalid("The web identity token has no iss claim.");
    }

    private static AwsErrorException Invalid(string message) => new(new AwsError("InvalidIdentityToken", message, 400));
}
