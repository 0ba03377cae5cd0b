using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Evaluation;
using IamDb.Policy.Explain;
using IamDb.Policy.Linting;
using IamDb.Policy.Parsing;

namespace IamDb.Cli.Commands.SelfCheck;

/// <summary>Self-check steps for the IAM policy engine (IamDb.Policy).</summary>
internal static class PolicySteps
{
    private const string Account = "123456789012";

    // The least-privilege policy of the story: adam may become database user adam on clustera, in dba, joining analysts.
    private const string StoryPolicy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "GetOwnDbUser",
              "Effect": "Allow",
              "Action": ["redshift:GetClusterCredentials", "redshift:CreateClusterUser"],
              "Resource": [
                "arn:aws:redshift:us-east-1:123456789012:dbuser:clustera/${aws:username}",
                "arn:aws:redshift:us-east-1:123456789012:dbname:clustera/dba"
              ]
            },
            {
              "Sid": "JoinAnalysts",
              "Effect": "Allow",
              "Action": "redshift:JoinGroup",
              "Resource": "arn:aws:redshift:us-east-1:123456789012:dbgroup:clustera/analysts"
            },
            {
              "Sid": "NeverAdmin",
              "Effect": "Deny",
              "Action": "redshift:*",
              "Resource": "arn:aws:redshift:us-east-1:123456789012:dbuser:clustera/admin"
            }
          ]
        }
        """;

    public static IEnumerable<SelfCheckStep> All()
    {
        yield return new SelfCheckStep(
            "IAM policy engine: parse, evaluate, explain, lint",
            "Parses the story's policy for user adam, asks whether adam may get credentials for database user adam "
            + "(allowed), for bob (implicitly denied) and for admin (explicitly denied), and lints a careless variant.",
            _ => Task.FromResult(Evaluate()));
    }

    private static string Evaluate()
    {
        var parsed = PolicyParser.Parse(StoryPolicy, PolicyKind.Identity);
        if (!parsed.IsValid)
        {
            throw new SelfCheckFailedException($"the story policy did not parse: {parsed.Errors[0].Message}");
        }

        var policy = CompiledPolicy.Compile(parsed.Document!, PolicyType.Identity, "redshift-adam", $"arn:aws:iam::{Account}:policy/redshift-adam");
        var policies = new PolicySet { IdentityPolicies = [policy] };
        var adam = PrincipalInfo.User(Account, "adam", "AIDAEXAMPLEADAM000001");

        Decision Decide(string dbUser, out AuthorizationResult explained, out AuthorizationRequest request)
        {
            request = new AuthorizationRequest(
                adam, "redshift:GetClusterCredentials", $"arn:aws:redshift:us-east-1:{Account}:dbuser:clustera/{dbUser}", new RequestContext());
            explained = PolicyExplainer.Explain(request, policies);
            return PolicyAuthorizer.Authorize(request, policies);
        }

        var own = Decide("adam", out _, out _);
        var other = Decide("bob", out var otherResult, out var otherRequest);
        var admin = Decide("admin", out var adminResult, out _);
        if (own != Decision.Allow || other != Decision.ImplicitDeny || admin != Decision.ExplicitDeny)
        {
            throw new SelfCheckFailedException($"expected Allow/ImplicitDeny/ExplicitDeny, got {own}/{other}/{admin}");
        }

        if (otherResult.Decision != other || adminResult.Decision != admin)
        {
            throw new SelfCheckFailedException("the explaining evaluation disagrees with the fast one");
        }

        var careless = PolicyParser.Parse(StoryPolicy.Replace(
            "\"arn:aws:redshift:us-east-1:123456789012:dbgroup:clustera/analysts\"", "\"*\"", StringComparison.Ordinal), PolicyKind.Identity);
        var findings = PolicyLinter.Lint(careless.Document!, PolicyKind.Identity);
        if (findings.Count == 0 || PolicyLinter.Lint(parsed.Document!, PolicyKind.Identity).Count != 0)
        {
            throw new SelfCheckFailedException("the linter should warn about \"Resource\": \"*\" on JoinGroup, and only then");
        }

        return $"adam → adam allowed; bob denied: \"{AccessDeniedMessage.Render(otherResult, otherRequest)}\"; "
            + $"admin denied explicitly; lint on \"Resource\": \"*\": {findings[0].Code} {findings[0].Message}";
    }
}
