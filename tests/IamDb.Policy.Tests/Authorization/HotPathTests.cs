using System.Net;
using IamDb.Policy.Authorization;
using IamDb.Policy.Evaluation;
using static IamDb.Policy.Tests.Evaluation.TestPolicies;

namespace IamDb.Policy.Tests.Authorization;

public class HotPathTests
{
    [Fact]
    public void Authorize_AfterWarmUp_AllocatesNothing()
    {
        var principal = PrincipalInfo.User(Account, "alice", "AIDAALICE", tags: new Dictionary<string, string> { ["team"] = "data" });
        var context = Context();
        context.SourceIp = IPAddress.Parse("10.1.2.3");
        context.Set(ContextKeys.RedshiftDbUser, "alice");
        var set = Identities(
            Identity(
                Allow("redshift:GetClusterCredentials", "arn:aws:redshift:*:*:dbuser:*/${redshift:DbUser}",
                    When("StringEquals", "aws:PrincipalTag/team", "data"), When("IpAddress", "aws:SourceIp", "10.0.0.0/8")),
                Deny("redshift:*", "*", When("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"))),
            Identity(Allow("s3:Get*", "arn:aws:s3:::home/${aws:username}/*"), Deny("*", "*", When("DateGreaterThan", "aws:CurrentTime", "2030-01-01T00:00:00Z"))));
        var request = new AuthorizationRequest(principal, "redshift:GetClusterCredentials", "arn:aws:redshift:us-west-2:123456789012:dbuser:c1/alice", context);
        Assert.Equal(Decision.Allow, PolicyAuthorizer.Authorize(in request, set));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = PolicyAuthorizer.Authorize(in request, set);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Authorize_SubstitutedValueLongerThanScratchBuffer_StillMatches()
    {
        var longName = new string('n', 2000);
        var principal = PrincipalInfo.User(Account, longName, "AIDALONG");
        var set = Identities(Identity(Allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")));
        Assert.Equal(Decision.Allow, Decide(set, principal, "s3:GetObject", $"arn:aws:s3:::home/{longName}/x"));
        Assert.Equal(Decision.ImplicitDeny, Decide(set, principal, "s3:GetObject", $"arn:aws:s3:::home/{longName}x/x"));
    }
}
