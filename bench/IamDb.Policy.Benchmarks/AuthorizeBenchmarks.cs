using System.Net;
using BenchmarkDotNet.Attributes;
using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using IamDb.Policy.Model;

namespace IamDb.Policy.Benchmarks;

/// <summary>Policy evaluation after compile: the broker's per-request cost. Target: realistic median ≤ 1 µs, 0 B.</summary>
[MemoryDiagnoser]
public class AuthorizeBenchmarks
{
    private AuthorizationRequest _request;
    private PolicySet _small = null!;
    private PolicySet _realistic = null!;
    private PolicySet _large = null!;
    private PolicySet _layered = null!;

    [GlobalSetup]
    public void Setup()
    {
        var principal = PrincipalInfo.User("123456789012", "alice", "AIDAALICE", tags: new Dictionary<string, string> { ["team"] = "data" });
        var context = new RequestContext(TimeProvider.System)
        {
            SourceIp = IPAddress.Parse("203.0.113.5"),
            SecureTransport = true,
            RequestedRegion = "us-west-2",
        };
        context.Set(ContextKeys.RedshiftDbUser, "alice").Set(ContextKeys.RedshiftDbName, "dev").Set(ContextKeys.RedshiftDurationSeconds, "900");
        _request = new AuthorizationRequest(principal, "redshift:GetClusterCredentials",
            "arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/alice", context);

        _small = new PolicySet
        {
            IdentityPolicies =
            [
                CompiledPolicy.Compile(
                    new PolicyDocument(PolicyDocument.Version2012, null,
                    [
                        new PolicyStatement(null, PolicyEffect.Allow, new ActionElement(false, ["redshift:GetClusterCredentials"]),
                            new ResourceElement(false, ["arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${redshift:DbUser}"]), null,
                            [new("StringEquals", "aws:userid", ["AIDAALICE"])]),
                    ]),
                    PolicyKind.Identity,
                    "small"),
            ],
        };
        _realistic = PolicySetFactory.Identity(10, 5);
        _large = PolicySetFactory.Identity(20, 25);
        var allowAll = new PolicyDocument(PolicyDocument.Version2012, null,
            [new PolicyStatement(null, PolicyEffect.Allow, new ActionElement(false, ["*"]), new ResourceElement(false, ["*"]), null, [])]);
        _layered = _realistic with
        {
            PermissionsBoundary = CompiledPolicy.Compile(allowAll, PolicyKind.PermissionsBoundary, "boundary"),
            GuardrailLevels = [[CompiledPolicy.Compile(allowAll, PolicyKind.Guardrail, "FullAWSAccess")]],
        };

        foreach (var set in new[] { _small, _realistic, _large, _layered })
        {
            if (PolicyAuthorizer.Authorize(in _request, set) != Decision.Allow)
            {
                throw new InvalidOperationException("benchmark request must be allowed");
            }
        }
    }

    [Benchmark]
    public Decision Small() => PolicyAuthorizer.Authorize(in _request, _small);

    [Benchmark(Baseline = true)]
    public Decision Realistic() => PolicyAuthorizer.Authorize(in _request, _realistic);

    [Benchmark]
    public Decision RealisticWithBoundaryAndGuardrail() => PolicyAuthorizer.Authorize(in _request, _layered);

    [Benchmark]
    public Decision Large() => PolicyAuthorizer.Authorize(in _request, _large);

    [Benchmark]
    public AuthorizationResult RealisticExplain() => PolicyExplainer.Explain(in _request, _realistic);
}
