using BenchmarkDotNet.Attributes;
using IamDb.Broker.LoadTest;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Benchmarks;

/// <summary>
/// <see cref="SamlResponseVerifier"/> on the response the broker load test sends: RSA-SHA256 with a 2048-bit key,
/// exclusive c14n, one signed assertion with Role, RoleSessionName and a PrincipalTag attribute. The metadata is
/// parsed once, as the broker caches it per provider.
/// </summary>
[MemoryDiagnoser]
public class SamlVerifierBenchmarks
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/bench-saml";
    private const string ProviderArn = "arn:aws:iam::123456789012:saml-provider/bench";

    private BenchSamlIdp _idp = null!;
    private SamlMetadata _metadata = null!;
    private string _metadataXml = null!;
    private string _response = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _idp = new BenchSamlIdp();
        _metadataXml = _idp.MetadataXml();
        _metadata = SamlMetadata.Parse(_metadataXml).Metadata ?? throw new InvalidOperationException("the bench metadata does not parse");
        _response = _idp.SignedResponse(RoleArn, ProviderArn, "bench-user", TimeSpan.FromHours(1));
        _now = DateTimeOffset.UtcNow;
        if (SamlResponseVerifier.Verify(_response, _metadata, SamlExpectations.Aws, _now).Failure is { } failure)
        {
            throw new InvalidOperationException($"the bench response does not verify: {failure.Message}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _idp.Dispose();

    /// <summary>One AssumeRoleWithSAML's verification: decode, parse, signature, conditions, attributes.</summary>
    [Benchmark]
    public bool Verify() => SamlResponseVerifier.Verify(_response, _metadata, SamlExpectations.Aws, _now).Failure is null;

    /// <summary>Parsing the provider's metadata (what a cache miss costs).</summary>
    [Benchmark]
    public bool ParseMetadata() => SamlMetadata.Parse(_metadataXml).Metadata is not null;
}
