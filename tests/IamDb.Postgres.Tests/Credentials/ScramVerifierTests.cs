using System.Security.Cryptography;
using System.Text;
using IamDb.Postgres.Credentials;
using IamDb.Testing;

namespace IamDb.Postgres.Tests.Credentials;

public class ScramVerifierTests(PostgresServerFixture fixture)
{
    // RFC 7677 section 3: user "user", password "pencil".
    private const string ClientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    [Fact]
    public void Derive_Rfc7677Vector_GivesTheRfcsClientProofAndServerSignature()
    {
        var keys = ScramVerifier.Derive("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

        var authMessage = Encoding.UTF8.GetBytes($"{ClientFirstBare},{ServerFirst},{ClientFinalWithoutProof}");
        var clientSignature = HMACSHA256.HashData(keys.StoredKey, authMessage);
        var proof = keys.ClientKey.Zip(clientSignature, (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Convert.ToBase64String(proof));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(HMACSHA256.HashData(keys.ServerKey, authMessage)));
        Assert.Equal(SHA256.HashData(keys.ClientKey), keys.StoredKey);
    }

    [Fact]
    public void Create_Format_IsPostgresStoredForm()
    {
        var verifier = ScramVerifier.Create("a-password");

        var parts = verifier.Split('$');
        Assert.Equal("SCRAM-SHA-256", parts[0]);
        var iterSalt = parts[1].Split(':');
        Assert.Equal("4096", iterSalt[0]);
        Assert.Equal(16, Convert.FromBase64String(iterSalt[1]).Length);
        var storedServer = parts[2].Split(':');
        Assert.Equal(32, Convert.FromBase64String(storedServer[0]).Length);
        Assert.Equal(32, Convert.FromBase64String(storedServer[1]).Length);
        Assert.NotEqual(verifier, ScramVerifier.Create("a-password")); // fresh salt
    }

    [Fact]
    public async Task Create_RealServer_AcceptsThePasswordAndRefusesAnother()
    {
        var cluster = new ClusterHarness(fixture);
        var role = ClusterHarness.Unique("scram");
        var password = PostgresClusterAdministration.NewPassword();
        await cluster.ExecAsync($"CREATE ROLE {role} LOGIN PASSWORD '{ScramVerifier.Create(password)}'; GRANT CONNECT ON DATABASE postgres TO {role}");

        await using (var ok = cluster.Login(role, password))
        {
            await ok.OpenAsync(ClusterHarness.Ct);
        }

        await using var wrong = cluster.Login(role, password + "x");
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => wrong.OpenAsync(ClusterHarness.Ct));
        Assert.Equal(Npgsql.PostgresErrorCodes.InvalidPassword, refused.SqlState);
        // DROP OWNED also takes back the CONNECT grants a concurrent preparation on the shared server gives every login role.
        await cluster.ExecAsync($"REVOKE CONNECT ON DATABASE postgres FROM {role}; DROP OWNED BY {role}; DROP ROLE {role}");
    }
}
