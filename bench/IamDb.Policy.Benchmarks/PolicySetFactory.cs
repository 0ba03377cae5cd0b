using IamDb.Policy.Authorization;
using IamDb.Policy.Compilation;
using IamDb.Policy.Model;

namespace IamDb.Policy.Benchmarks;

/// <summary>Builds deterministic policy sets of a given size: several services, wildcards, 2-3 conditions each,
/// one statement in five a Deny whose condition does not hold (so every Deny is evaluated and the request is allowed).</summary>
internal static class PolicySetFactory
{
    private static readonly string[] Services = ["s3", "ec2", "iam", "redshift", "dynamodb", "sqs", "sns", "kms", "lambda", "logs"];

    public static PolicySet Identity(int policies, int statementsPerPolicy) => new()
    {
        IdentityPolicies = [.. Enumerable.Range(0, policies).Select(i => Policy(i, statementsPerPolicy))],
    };

    private static CompiledPolicy Policy(int index, int statements)
    {
        var list = new List<PolicyStatement>();
        for (var j = 0; j < statements; j++)
        {
            var n = (index * statements) + j;
            var service = Services[n % Services.Length];
            var deny = j % 5 == 4;
            string[] actions = n % 11 == 0 ? ["*:Describe*"] : [$"{service}:Get*", $"{service}:Describe*", $"{service}:List*"];
            string[] resources = service == "redshift"
                ? ["arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${aws:username}", "arn:aws:redshift:us-west-2:123456789012:dbname:examplecluster/*"]
                : [$"arn:aws:{service}:us-west-2:123456789012:*"];
            ConditionEntry[] conditions = deny
                ? [new("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24", "10.0.0.0/8"]), new("Bool", "aws:SecureTransport", ["false"])]
                : (n % 3) switch
                {
                    0 => [new("StringEquals", "aws:PrincipalTag/team", ["data", "ops"]), new("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"])],
                    1 => [new("Bool", "aws:SecureTransport", ["true"]), new("DateLessThan", "aws:CurrentTime", ["2030-01-01T00:00:00Z"]),
                          new("StringLike", "redshift:DbUser", ["${aws:username}*"])],
                    _ => [new("StringEqualsIgnoreCase", "aws:PrincipalTag/team", ["DATA"]), new("NumericLessThanEquals", "redshift:DurationSeconds", ["3600"])],
                };
            list.Add(new PolicyStatement($"S{j}", deny ? PolicyEffect.Deny : PolicyEffect.Allow, new ActionElement(false, actions),
                new ResourceElement(false, resources), null, conditions));
        }

        // The last policy carries the statement that allows the benchmark request.
        if (index == 0)
        {
            list[0] = new PolicyStatement("GetCreds", PolicyEffect.Allow, new ActionElement(false, ["redshift:GetCluster*"]),
                new ResourceElement(false, ["arn:aws:redshift:us-west-2:123456789012:dbuser:examplecluster/${redshift:DbUser}"]), null,
                [new("StringEquals", "aws:PrincipalTag/team", ["data"]), new("IpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
                 new("NumericLessThanEquals", "redshift:DurationSeconds", ["3600"])]);
        }

        var document = new PolicyDocument(PolicyDocument.Version2012, null, list);
        return CompiledPolicy.Compile(document, PolicyKind.Identity, $"policy{index}", $"arn:aws:iam::123456789012:policy/policy{index}");
    }
}
