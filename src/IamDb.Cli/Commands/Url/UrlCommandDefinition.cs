using System.CommandLine;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;

namespace IamDb.Cli.Commands.Url;

/// <summary>The connection-string forms <c>iamdb url</c> prints.</summary>
internal enum UrlFormat
{
    /// <summary>JDBC URL with a temporary credential.</summary>
    Jdbc,

    /// <summary>The Redshift JDBC driver's IAM URL (the driver fetches credentials itself).</summary>
    JdbcIam,

    /// <summary>ODBC connection string with a temporary credential.</summary>
    Odbc,

    /// <summary>The Redshift ODBC driver's IAM form.</summary>
    OdbcIam,

    /// <summary>libpq URI (psql, most PostgreSQL tools).</summary>
    Libpq,

    /// <summary>Npgsql connection string.</summary>
    Npgsql,

    /// <summary>Shell <c>export PG…=</c> lines.</summary>
    Env,

    /// <summary>A <c>.pgpass</c> line.</summary>
    Pgpass,
}

/// <summary><c>iamdb url NAME --format …</c>.</summary>
internal static class UrlCommandDefinition
{
    public const string Name = "url";

    public static readonly Argument<string> EnvironmentArgument = new("NAME")
    {
        Description = "The saved environment (see `iamdb env list`).",
    };

    public static readonly Option<UrlFormat> FormatOption = new("--format", "-f")
    {
        Description = "jdbc, jdbc-iam, odbc, odbc-iam, libpq, npgsql, env or pgpass (default libpq).",
        DefaultValueFactory = _ => UrlFormat.Libpq,
        CustomParser = result => Parse(result.Tokens.Single().Value, result),
    };

    public static readonly Option<bool> CheckOption = new("--check")
    {
        Description = "Log in once with the credential (Npgsql) and report on stderr; exit 1 when the login fails. A cached "
            + "credential the database refuses (revoked) is replaced once by a new one.",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Print a connection string for a saved environment: with a temporary credential (jdbc, odbc, libpq, npgsql, "
            + "env, pgpass — the credential comes from the cache and expires in 15–60 minutes) or in the Redshift drivers' "
            + "IAM forms (jdbc-iam, odbc-iam — no password: the driver obtains credentials itself). Output is a secret "
            + "unless the format is an IAM form.\n\n"
            + "Examples:\n"
            + "  iamdb url staging --format jdbc\n"
            + "  iamdb url staging --format jdbc-iam\n"
            + "  eval \"$(iamdb url staging --format env)\" && psql -c 'select 1'\n"
            + "  iamdb url prod --format npgsql --sslmode verify-full");
        command.Arguments.Add(EnvironmentArgument);
        command.Options.Add(FormatOption);
        command.Options.Add(EnvironmentLogin.SslModeOption);
        command.Options.Add(CheckOption);
        command.Options.Add(CachedCredential.RefreshOption);
        command.Options.Add(CachedCredential.NoCacheOption);
        command.Options.Add(ClusterCertificates.SslRootCertOption);
        command.SetAction(CommandRunner.Action(UrlCommand.ExecuteAsync));
        return command;
    }

    private static UrlFormat Parse(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (Enum.TryParse<UrlFormat>(text.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var format) && !int.TryParse(text, out _))
        {
            return format;
        }

        result.AddError($"'{text}' is not a format; use one of jdbc, jdbc-iam, odbc, odbc-iam, libpq, npgsql, env, pgpass.");
        return default;
    }
}
