using System.CommandLine;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Policy.Generate;

/// <summary><c>iamdb policy generate</c>.</summary>
internal static class PolicyGenerateCommandDefinition
{
    public const string Name = "generate";

    public static readonly Option<string> ClusterOption = new("--cluster")
    {
        Description = "Cluster identifier.",
        Required = true,
    };

    public static readonly Option<string?> DbUserOption = new("--db-user")
    {
        Description = "The database user the principal may obtain credentials for.",
    };

    public static readonly Option<string?> DbNameOption = new("--db-name")
    {
        Description = "Limit the credentials to this database.",
    };

    public static readonly Option<string[]> DbGroupsOption = new("--db-groups")
    {
        Description = "Database groups the principal may join (several: --db-groups a b).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> AutoCreateOption = new("--auto-create")
    {
        Description = "Also allow creating the database user when it does not exist (redshift:CreateClusterUser).",
    };

    public static readonly Option<bool> BindToUsernameOption = new("--bind-to-username")
    {
        Description = "Instead of one --db-user: every IAM user may obtain only the database user of its own name (${redshift:DbUser} = ${aws:username}).",
    };

    public static readonly Option<string?> AccountOption = new("--account")
    {
        Description = "12-digit account id of the cluster. Default: any account (*).",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Print the least-privilege IAM policy that lets a principal obtain temporary credentials for one database "
            + "user on one cluster: redshift:GetClusterCredentials on that dbuser (and dbname), redshift:CreateClusterUser "
            + "with --auto-create, redshift:JoinGroup on exactly the --db-groups, and redshift:DescribeClusters on the cluster, "
            + "which iamdb url and iamdb connect call first (the endpoint and engine; the broker's DescribeClusterCertificate is "
            + "authorized as redshift:DescribeClusters too). That is all iamdb url and iamdb connect need. --region and "
            + "--account narrow the ARNs (default *).\n\n"
            + "Examples:\n"
            + "  iamdb policy generate --cluster analytics --db-user adam --db-name dev --region eu-west-1 --account 123456789012\n"
            + "  iamdb policy generate --cluster analytics --db-user etl --db-groups loaders readers --auto-create\n"
            + "  iamdb policy generate --cluster analytics --bind-to-username --db-name dev > self-service.json\n"
            + "  aws iam create-policy --policy-name adam-dev --policy-document file://<(iamdb policy generate --cluster analytics --db-user adam)");
        command.Options.Add(ClusterOption);
        command.Options.Add(DbUserOption);
        command.Options.Add(DbNameOption);
        command.Options.Add(DbGroupsOption);
        command.Options.Add(AutoCreateOption);
        command.Options.Add(BindToUsernameOption);
        command.Options.Add(AccountOption);
        command.SetAction(CommandRunner.Action(PolicyGenerateCommand.ExecuteAsync));
        return command;
    }
}
