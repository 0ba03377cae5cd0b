using System.Net;
using System.Security.Cryptography;
using IamDb.Cli.Tests.Support;
using IamDb.Testing;

namespace IamDb.Cli.Tests.Tls;

/// <summary>
/// Three real <c>iamdb server</c> processes serving HTTPS on loopback: one with its generated CA (<c>DATA/tls/ca.pem</c>),
/// one whose certificate (from a test CA) names another host, one whose certificate (from the same test CA) has expired.
/// </summary>
public sealed class TlsBrokersFixture : IAsyncLifetime
{
    private readonly List<BrokerProcess> _brokers = [];

    public string Root { get; } = Directory.CreateTempSubdirectory("iamdb-tls-").FullName;

    /// <summary>The broker with its generated certificate for 127.0.0.1/localhost.</summary>
    internal BrokerProcess Generated { get; private set; } = null!;

    /// <summary>Its generated CA.</summary>
    public string GeneratedCa => Path.Combine(Generated.DataDirectory, "tls", "ca.pem");

    /// <summary>A broker whose certificate is for other.example only.</summary>
    internal BrokerProcess WrongName { get; private set; } = null!;

    /// <summary>A broker whose certificate for 127.0.0.1 expired five minutes ago.</summary>
    internal BrokerProcess Expired { get; private set; } = null!;

    /// <summary>The test CA that signed the wrong-name and expired certificates.</summary>
    public string TestCa => Path.Combine(Root, "test-ca.pem");

    public Dictionary<string, string> Environment { get; } = new()
    {
        ["IAMDB_TEST_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    public async ValueTask InitializeAsync()
    {
        var ca = TestCertificates.CreateCa("iamdb tls test CA");
        await File.WriteAllTextAsync(TestCa, ca.CertificatePem);
        var now = DateTimeOffset.UtcNow;
        var wrongName = TestCertificates.CreateServer(ca, ["other.example"], [], now.AddHours(-1), now.AddDays(30));
        var expired = TestCertificates.CreateServer(ca, ["localhost"], [IPAddress.Loopback], now.AddMinutes(-50), now.AddMinutes(-5)); // inside the CA's validity

        var starts = new[]
        {
            StartAsync("generated", "generate = true"),
            StartAsync("wrongname", Files("wrongname", wrongName)),
            StartAsync("expired", Files("expired", expired)),
        };
        var started = await Task.WhenAll(starts);
        (Generated, WrongName, Expired) = (started[0], started[1], started[2]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    /// <summary>The generated broker's files, as <c>iamdb server</c> tells the user to export them.</summary>
    public Dictionary<string, string?> GeneratedFiles() => new()
    {
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(Generated.DataDirectory, "credentials"),
        ["AWS_CONFIG_FILE"] = Path.Combine(Generated.DataDirectory, "config"),
    };

    private string Files(string name, PemPair pair)
    {
        var cert = Path.Combine(Root, name + ".pem");
        var key = Path.Combine(Root, name + ".key");
        File.WriteAllText(cert, pair.CertificatePem);
        File.WriteAllText(key, pair.PrivateKeyPem);
        return $"certificate = \"{cert}\"\nkey = \"{key}\"";
    }

    private async Task<BrokerProcess> StartAsync(string name, string tls)
    {
        var data = Path.Combine(Root, name);
        Directory.CreateDirectory(data);
        var config = Path.Combine(Root, name + ".toml");
        await File.WriteAllTextAsync(
            config,
            $"""
             urls = ["https://127.0.0.1:0"]
             data_dir = "{data}"
             master_key_env = "IAMDB_TEST_MASTER_KEY"
             [tls]
             {tls}
             """);
        var broker = await BrokerProcess.StartAsync(["server", "--config", config], data, Environment);
        lock (_brokers)
        {
            _brokers.Add(broker);
        }

        return broker;
    }
}

/// <summary>The test classes that share one set of TLS brokers.</summary>
[CollectionDefinition(Name)]
public sealed class TlsBrokersGroup : ICollectionFixture<TlsBrokersFixture>
{
    public const string Name = "TLS brokers";
}
