using System.Globalization;
using System.Security.Cryptography;
using IamDb.Broker.Secrets;
using IamDb.Broker.State.Audit;
using IamDb.Broker.State.Iam;
using IamDb.Broker.State.Redshift;

namespace IamDb.Broker.Tests.State;

/// <summary>Builders for store entities with unique ids; each test uses its own account.</summary>
internal static class StoreTestData
{
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    public static string NewAccount() => RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString("000000000", CultureInfo.InvariantCulture) + "123";

    public static string NewId(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    public static IamUser User(string account, string name, string path = "/") =>
        new(account, NewId("AIDA"), name, path, $"arn:aws:iam::{account}:user{path}{name}", Now);

    public static IamGroup Group(string account, string name, string path = "/") =>
        new(account, NewId("AGPA"), name, path, $"arn:aws:iam::{account}:group{path}{name}", Now);

    public static IamRole Role(string account, string name, string path = "/") =>
        new(account, NewId("AROA"), name, path, $"arn:aws:iam::{account}:role{path}{name}", Now, TrustPolicy);

    public static ManagedPolicy Policy(string account, string name, string path = "/") =>
        new(account, NewId("ANPA"), name, path, $"arn:aws:iam::{account}:policy{path}{name}", "v1", Now, Now);

    public static AccessKey Key(string account, string? userId, string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") =>
        new(NewId("AKIA"), account, userId, new SecretString(secret), AccessKeyStatus.Active, Now);

    public static RedshiftCluster Cluster(string account, string identifier, string password = "admin-password-1234") =>
        new(account, identifier, "us-east-1", "127.0.0.1", 5432, "dev", "postgres", new SecretString(password), Now);

    public static IssuedCredential Credential(string account, string cluster, string principal, DateTimeOffset issuedAt) =>
        new(Guid.NewGuid().ToString(), account, principal, cluster, "adam", "IAM:adam:" + NewId(""), issuedAt, issuedAt.AddMinutes(15));

    public static AuditRecord Audit(string account, string eventName, DateTimeOffset time, string principalArn, string? errorCode = null) =>
        new(Guid.NewGuid().ToString(), time, "iam.amazonaws.com", eventName, "us-east-1", "127.0.0.1", Guid.NewGuid().ToString(),
            new AuditIdentity("IAMUser") { Arn = principalArn, AccountId = account, PrincipalId = "AIDAEXAMPLE" })
        {
            RecipientAccountId = account,
            ErrorCode = errorCode,
            ErrorMessage = errorCode is null ? null : "denied",
        };

    public const string TrustPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}""";

    public const string Document = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";
}
