using System.Security.Cryptography;
using IamDb.Aws.Identifiers;
using IamDb.Aws.Query;
using IamDb.Broker.Secrets;
using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Sts;

/// <summary>Issues temporary credentials: an ASIA key, a secret, and an opaque session token of which only a hash is kept.</summary>
internal static class StsCredentials
{
    /// <summary>Bytes of randomness in a session token (its base64 text is 256 characters).</summary>
    private const int TokenBytes = 192;

    public static (string AccessKeyId, SecretString Secret, string SessionToken, byte[] TokenHash) Issue(IdentifierGenerator ids)
    {
        var token = "IQoJ" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(TokenBytes));
        return (ids.NewTemporaryAccessKeyId(), new SecretString(ids.NewSecretAccessKey()), token, SessionTokens.Hash(token));
    }

    /// <summary>Writes STS's <c>Credentials</c> structure.</summary>
    public static void Write(QueryXmlWriter xml, string accessKeyId, SecretString secret, string sessionToken, DateTimeOffset expiration) =>
        xml.WriteStructure("Credentials", c =>
        {
            c.WriteString("AccessKeyId", accessKeyId);
            c.WriteString("SecretAccessKey", secret.Reveal());
            c.WriteString("SessionToken", sessionToken);
            c.WriteTimestamp("Expiration", expiration);
        });
}
