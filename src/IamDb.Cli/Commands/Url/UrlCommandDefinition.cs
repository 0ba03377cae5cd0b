using System.CommandLine;
using IamDb.Cli.Connection;
using IamDb.Cli.Output;
using IamDb.Client.ConnectionStrings;

namespace IamDb.Cli.Commands.Url;

/// <summary>The connection-string forms <c>iamdb url</c> prints.</summary>
internal enum UrlFormat
{
    /// <summary>JDBC URL (pgjdbc for PostgreSQL, the Redshift driver for Redshift); the password is a separate property.</summary>
    Jdbc,

    /// <summary>The Redshift JDBC driver's IAM URL (the driver fetches credentials itself).</summary>
    JdbcIam,

    /// <summary>DSN-less ODBC connection string with the temporary password (<c>PWD=</c>).</summary>
    Odbc,

    /// <summary>The Redshift ODBC driver's IAM form.</summary>
    OdbcIam,

    /// <summary>libpq URI without the password (psql, most PostgreSQL tools).</summary>
    Libpq,

    /// <summary>libpq keyword/value string without the password (psycopg2, psql).</summary>
    Keywords,

    /// <summary>A <c>psql</c> command line that takes the password from <c>PGPASSWORD</c>.</summary>
    Psql,

    /// <summary>Npgsql connection string without the password.</summary>
    Npgsql,

    /// <summary>Shell <c>export PG…=</c> lines, the password included.</summary>
    Env,

    /// <summary>A <c>.pgpass</c> line, the password included.</summary>
    Pgpass,
}

/// <summary><c>iamdb url NAME --format …</c>.</summary>
internal static class UrlCommandDefinition
{
    public const string Name = "url";

    /// <summary>Every format by its command-line name, in the order the help lists them.</summary>
    internal static readonly IReadOnlyList<(string Name, UrlFormat Format)> Formats =
    [
        ("libpq", UrlFormat.Libpq), ("keywords", UrlFormat.Keywords), ("psql", UrlFormat.Psql), ("jdbc", UrlFormat.Jdbc),
        ("jdbc-iam", UrlFormat.JdbcIam), ("odbc", UrlFormat.Odbc), ("odbc-iam", UrlFormat.OdbcIam), ("npgsql", UrlFormat.Npgsql),
        ("env", UrlFormat.Env), ("pgpass", UrlFormat.Pgpass),
    ];

    public static readonly Argument<string> EnvironmentArgument = new("NAME")
    {
        Description = "The saved environment (see `iamdb env list`).",
    };

    public static readonly Option<UrlFormat?> FormatOption = new("--format", "-f")
    {
        Description = "The form to print (default libpq). Without the password: libpq, keywords, psql, jdbc, npgsql (the password goes "
            + "to PGPASSWORD, .pgpass or the driver's password property; --output json gives it as DbPassword). With it: odbc "
            + "(PWD=), env, pgpass. No password at all: jdbc-iam, odbc-iam.",
        HelpName = string.Join('|', Formats.Select(f => f.Name)),
        CustomParser = result => Parse(result.Tokens.Single().Value, result),
    };

    public static readonly Option<bool> CheckOption = new("--check")
    {
        Description = "Log in once with the credential (Npgsql) and report on stderr; exit 1 when the login fails. A cached "
            + "credential the database refuses (revoked) is replaced once by a new one.",
    };

    public static readonly Option<DatabaseEngine?> DriverOption = new("--driver")
    {
        Description = "Which driver the jdbc and odbc forms are for: postgresql (pgjdbc, psqlODBC) or redshift (Amazon Redshift JDBC/ODBC). "
            + "Default: from the cluster's engine (DescribeClusters NodeType postgresql means PostgreSQL, as on an IamDb broker).",
        HelpName = "postgresql|redshift",
        CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "postgresql" or "postgres" => DatabaseEngine.PostgreSql,
            "redshift" => DatabaseEngine.Redshift,
            var other => Error(result, $"'{other}' is not a driver; use postgresql or redshift."),
        },
    };

    public static readonly Option<string?> OdbcDriverOption = new("--odbc-driver")
    {
        Description = "The ODBC driver name for --format odbc/odbc-iam as your odbcinst.ini knows it. "
            + $"Default: {ConnectionStringFormats.PostgreSqlOdbcDriver} (psqlODBC) for PostgreSQL, {ConnectionStringFormats.RedshiftOdbcDriver} for Redshift.",
        HelpName = "NAME",
    };

    public static Command Create()
    {
        var command = new Command(
            Name,
            "Print a connection string for a saved environment, for the driver of the cluster's engine (pgjdbc and psqlODBC "
            + "for an IamDb broker's PostgreSQL clusters, the Amazon Redshift drivers for Redshift). The temporary credential "
            + "comes from the cache and expires in 15–60 minutes. URLs and command lines never contain the password: "
            + "libpq, keywords, psql and npgsql read it from PGPASSWORD (or ~/.pgpass), JDBC takes it as the password property; "
            + "odbc carries it as PWD= and env and pgpass are there to carry it, so their output is a secret. jdbc-iam and odbc-iam "
            + "are the Redshift drivers' IAM forms (the driver obtains credentials itself). --output json gives every form "
            + "with DbUser, DbPassword and Expiration as separate fields.\n\n"
            + "Examples:\n"
            + "  eval \"$(iamdb url staging --format env)\" && psql -c 'select 1'\n"
            + "  export PGPASSWORD=\"$(iamdb url staging --output json | jq -r .DbPassword)\"; eval \"$(iamdb url staging --format psql)\"\n"
            + "  iamdb url staging --format jdbc --output json    # Value = the URL, DbPassword = the password property\n"
            + "  iamdb url staging --format odbc --odbc-driver 'PostgreSQL ANSI'\n"
            + "  iamdb url prod --format npgsql --sslmode verify-full");
        command.Arguments.Add(EnvironmentArgument);
        command.Options.Add(FormatOption);
        command.Options.Add(DriverOption);
        command.Options.Add(OdbcDriverOption);
        command.Options.Add(EnvironmentLogin.SslModeOption);
        command.Options.Add(CheckOption);
        command.Options.Add(CachedCredential.RefreshOption);
        command.Options.Add(CachedCredential.NoCacheOption);
        command.Options.Add(ClusterCertificates.SslRootCertOption);
        command.SetAction(CommandRunner.Action(UrlCommand.ExecuteAsync));
        return command;
    }

    private static DatabaseEngine? Error(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }

    private static UrlFormat? Parse(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        foreach (var (name, format) in Formats)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return format;
            }
        }

        result.AddError($"'{text}' is not a format; use one of {string.Join(", ", Formats.Select(f => f.Name))}.");
        return null;
    }
}
