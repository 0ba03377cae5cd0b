using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.AccessReview;

/// <summary><c>iamdb access-review [--cluster C]</c>.</summary>
internal static class AccessReviewCommandDefinition
{
    public const string Name = "access-review";

    public static readonly Option<string?> ClusterOption = new("--cluster")
    {
        Description = "Review one cluster only.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "For each cluster and database user: which IAM users, groups and roles can obtain credentials for it, and "
            + "through which policy statements. Reads the account with GetAccountAuthorizationDetails and DescribeClusters "
            + "(works against the broker and real AWS alike) and evaluates locally with IamDb's policy engine: users' own "
            + "and groups' policies, roles, permissions boundaries and explicit denies. Database users named by "
            + "${aws:username} are expanded per user; wildcards are shown as patterns (temp_*, *).\n\n"
            + "Examples:\n"
            + "  iamdb access-review\n"
            + "  iamdb access-review --cluster analytics\n"
            + "  iamdb access-review --env prod --output json > review.json\n\n"
            + "Needs iam:GetAccountAuthorizationDetails, redshift:DescribeClusters and sts:GetCallerIdentity.");
        command.Options.Add(ClusterOption);
        command.SetAction(CommandRunner.Action(AccessReviewCommand.ExecuteAsync));
        return command;
    }
}
