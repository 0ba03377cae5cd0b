using System.Net;
using IamDb.Broker.Tests.Support;
using IamDb.Testing;
using Npgsql;

namespace IamDb.Broker.Tests.Actions.Redshift;

/// <summary>GetClusterCredentials against the real test PostgreSQL: authorization as AWS, validation, issuance, recording.</summary>
public sealed class GetClusterCredentialsTests(PostgresServerFixture postgres)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    private static string Allow(string resource, string action = "redshift:GetClusterCredentials") =>
        $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"{{action}}","Resource":"{{resource}}"}]}""";

    [Fact]
    public async Task UserOutsideThePolicy_GetsAccessDeniedInAwsWords()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, bob) = await StoreSeed.UserWithKeyAsync(kit.Broker, "bob");

        var reply = await kit.GetCredentialsAsync("adam", bob);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.StartsWith(
            $"User: arn:aws:iam::{kit.Broker.AccountId}:user/bob is not authorized to perform: redshift:GetClusterCredentials on resource: "
            + $"arn:aws:redshift:us-east-1:{kit.Broker.AccountId}:dbuser:clusterA/adam",
            reply.ErrorMessage,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitDeny_WinsOverAllow()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        const string policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"redshift:*","Resource":"*"},
              {"Effect":"Deny","Action":"redshift:GetClusterCredentials","Resource":"arn:aws:redshift:*:*:dbuser:clusterA/postgres"}]}
            """;
        var (_, carol) = await StoreSeed.UserWithKeyAsync(kit.Broker, "carol", policy);

        var denied = await kit.GetCredentialsAsync("postgres", carol);
        var allowed = await kit.GetCredentialsAsync(user, carol);

        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Contains("with an explicit deny", denied.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(allowed.ErrorCode);
    }

    [Fact]
    public async Task DbUserPolicyVariable_LetsEachUserGetOnlyThemselves()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var name = Unique("u");
        var other = Unique("o");
        await kit.EnsureRoleAsync(name);
        await kit.EnsureRoleAsync(other);
        var policy = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials",
              "Resource":"arn:aws:redshift:us-east-1:*:dbuser:clusterA/${redshift:DbUser}",
              "Condition":{"StringEquals":{"aws:username":"${redshift:DbUser}"}}}]}
            """;
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, name, policy);

        var own = await kit.GetCredentialsAsync(name, key);
        var foreign = await kit.GetCredentialsAsync(other, key);

        Assert.Null(own.ErrorCode);
        Assert.Equal(name, await kit.CurrentUserAsync(own.Find("DbUser")!, own.Find("DbPassword")!));
        Assert.Equal("AccessDenied", foreign.ErrorCode);
        Assert.Contains($"dbuser:clusterA/{other}", foreign.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DbName_IsAuthorizedAndEnforcedByPostgres()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        var allowedDb = await postgres.CreateDatabaseAsync("dba");
        var otherDb = await postgres.CreateDatabaseAsync("dbb");
        await kit.EnsureRoleAsync(user);
        var policy = $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"redshift:GetClusterCredentials",
              "Resource":["arn:aws:redshift:us-east-1:*:dbuser:clusterA/{{user}}","arn:aws:redshift:us-east-1:*:dbname:clusterA/{{allowedDb}}"]}]}
            """;
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "dana", policy);
        Assert.Null((await kit.Broker.CallAsync("redshift", "TestCluster", [new("ClusterIdentifier", "clusterA")])).ErrorCode);

        var scoped = await kit.GetCredentialsAsync(user, key, dbName: allowedDb);
        var wrongDb = await kit.GetCredentialsAsync(user, key, dbName: otherDb);

        Assert.Null(scoped.ErrorCode);
        Assert.Equal("AccessDenied", wrongDb.ErrorCode);
        Assert.Contains($"dbname:clusterA/{otherDb}", wrongDb.ErrorMessage, StringComparison.Ordinal);
        var (login, password) = (scoped.Find("DbUser")!, scoped.Find("DbPassword")!);
        Assert.Equal(user, await kit.CurrentUserAsync(login, password, allowedDb));
        await Assert.ThrowsAsync<PostgresException>(() => kit.CurrentUserAsync(login, password, otherDb));
    }

    [Theory]
    [InlineData("7200")]
    [InlineData("899")]
    [InlineData("ten")]
    public async Task DurationSeconds_OutsideTheRange_IsInvalidParameterValueNamingIt(string seconds)
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var reply = await kit.Broker.CallAsync(
            "redshift", "GetClusterCredentials", [new("ClusterIdentifier", "clusterA"), new("DbUser", "adam"), new("DurationSeconds", seconds)]);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains("DurationSeconds", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("between 900 and 3600", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DurationSeconds_UpToTheConfiguredMaximum_IsAccepted()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres, configure: o => o.MaxCredentialDurationSeconds = 7200);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);

        var reply = await kit.GetCredentialsAsync(user, duration: 7200);

        Assert.Null(reply.ErrorCode);
        var expiration = DateTimeOffset.Parse(reply.Find("Expiration")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiration - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(118), TimeSpan.FromMinutes(121));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", reply.Find("Expiration")!);
    }

    [Fact]
    public async Task MissingBaseUser_WithoutAutoCreate_FailsAndCreatesNothing_WithAutoCreate_Works()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("ghost");

        var missing = await kit.GetCredentialsAsync(user);

        Assert.Equal("InvalidParameterValue", missing.ErrorCode);
        Assert.Contains("DbUser", missing.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(user, missing.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("AutoCreate", missing.ErrorMessage, StringComparison.Ordinal);
        Assert.False(await kit.RoleExistsAsync(user));

        var created = await kit.GetCredentialsAsync(user, autoCreate: true);
        Assert.Null(created.ErrorCode);
        Assert.StartsWith("IAMA:", created.Find("DbUser"), StringComparison.Ordinal);
        Assert.True(await kit.RoleExistsAsync(user));
        Assert.False(await kit.ScalarAsync<bool>($"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{user}'"));
        Assert.Equal(user, await kit.CurrentUserAsync(created.Find("DbUser")!, created.Find("DbPassword")!));
    }

    [Fact]
    public async Task AutoCreate_NeedsCreateClusterUser_AndGroups_NeedJoinGroup()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "erin", Allow("*"));

        var autoCreate = await kit.GetCredentialsAsync("erin", key, autoCreate: true);
        var group = await kit.GetCredentialsAsync("erin", key, groups: ["analysts"]);

        Assert.Contains("redshift:CreateClusterUser", autoCreate.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("redshift:JoinGroup on resource: arn:aws:redshift:us-east-1:" + kit.Broker.AccountId + ":dbgroup:clusterA/analysts",
            group.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_ApplyOnlyToTheCredentialThatAskedForThem()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        var group = Unique("g");
        await kit.EnsureRoleAsync(user);
        await kit.EnsureRoleAsync(group);

        var withGroup = await kit.GetCredentialsAsync(user, groups: [group]);
        var without = await kit.Broker.CallAsync("redshift", "GetClusterCredentials",
            [new("ClusterIdentifier", "clusterA"), new("DbUser", user), new("DbGroups", "")]);

        Assert.Null(withGroup.ErrorCode);
        Assert.Null(without.ErrorCode);
        Assert.True(await IsMemberAsync(kit, withGroup, group));
        Assert.False(await IsMemberAsync(kit, without, group));
        Assert.False(await kit.ScalarAsync<bool>($"SELECT pg_has_role('{user}', '{group}', 'MEMBER')"));
    }

    [Fact]
    public async Task MissingGroup_IsInvalidParameterValueNamingDbGroups()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);

        var reply = await kit.GetCredentialsAsync(user, groups: ["nosuchgroup"]);

        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains("DbGroups", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("nosuchgroup", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCluster_IsClusterNotFoundAfterAuthorization()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var (_, nobody) = await StoreSeed.UserWithKeyAsync(kit.Broker, "nobody");

        var root = await kit.GetCredentialsAsync("adam", cluster: "nosuch");
        var denied = await kit.GetCredentialsAsync("adam", nobody, cluster: "nosuch");

        Assert.Equal(HttpStatusCode.NotFound, root.Status);
        Assert.Equal("ClusterNotFound", root.ErrorCode);
        Assert.Equal("Cluster nosuch not found.", root.ErrorMessage);
        Assert.Equal("AccessDenied", denied.ErrorCode);
    }

    [Fact]
    public async Task ClusterIdentifierCase_CannotSlipPastADeny()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        const string policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"redshift:GetClusterCredentials","Resource":"*"},
              {"Effect":"Deny","Action":"redshift:GetClusterCredentials","Resource":"arn:aws:redshift:*:*:dbuser:clusterA/*"}]}
            """;
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "frank", policy);

        var reply = await kit.GetCredentialsAsync(user, key, cluster: "CLUSTERA");

        Assert.Equal("AccessDenied", reply.ErrorCode);
        Assert.Contains("dbuser:clusterA/", reply.ErrorMessage, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileValues() => new()
    {
        { "DbUser", "adam'; DROP ROLE postgres; --" },
        { "DbUser", "adam\"; CREATE ROLE evil SUPERUSER; --" },
        { "DbUser", "ad\u0430m" }, // Cyrillic а
        { "DbUser", "adam\u0000" },
        { "DbUser", new string('a', 64) },
        { "DbUser", new string('é', 40) },
        { "DbUser", "select" },
        { "DbUser", "PUBLIC" },
        { "DbUser", "IAM:adam" },
        { "DbName", "postgres\"; DROP DATABASE postgres; --" },
        { "DbName", "db/../x" },
        { "DbName", "where" },
        { "DbGroups.DbGroup.1", "analysts'); GRANT postgres TO public; --" },
        { "DbGroups.DbGroup.1", "Analysts" },
        { "DbGroups.DbGroup.1", "table" },
        { "ClusterIdentifier", "clusterA'--" },
        { "ClusterIdentifier", "clusterA/../x" },
        { "ClusterIdentifier", "c" + new string('1', 63) },
    };

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task HostileNames_AreRejected_AndTheCatalogIsUnchanged(string parameter, string value)
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        const string watched = "SELECT count(*) FROM pg_roles WHERE rolname LIKE '%evil%' OR rolname LIKE '%DROP%' OR rolname LIKE '%GRANT%'";
        var rolesBefore = await kit.ScalarAsync<long>(watched);
        var superusersBefore = await kit.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolsuper");
        var parameters = new Dictionary<string, string> { ["ClusterIdentifier"] = "clusterA", ["DbUser"] = user, ["AutoCreate"] = "true" };
        parameters[parameter] = value;

        var reply = await kit.Broker.CallAsync("redshift", "GetClusterCredentials", parameters);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("InvalidParameterValue", reply.ErrorCode);
        Assert.Contains(parameter.Split('.')[0], reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(rolesBefore, await kit.ScalarAsync<long>(watched));
        Assert.Equal(superusersBefore, await kit.ScalarAsync<long>("SELECT count(*) FROM pg_roles WHERE rolsuper"));
        Assert.True(await kit.RoleExistsAsync("postgres"));
        Assert.Equal(1, await kit.ScalarAsync<long>("SELECT count(*) FROM pg_database WHERE datname = 'postgres'"));
        Assert.False(await kit.ScalarAsync<bool>($"SELECT EXISTS (SELECT FROM pg_roles WHERE rolname LIKE 'IAM%' AND pg_has_role(rolname, '{user}', 'MEMBER'))"));
        var recorded = await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.ListAsync(new(kit.Broker.AccountId), new(), c), TestContext.Current.CancellationToken);
        Assert.Empty(recorded.Items);
    }

    [Fact]
    public async Task IssuedCredential_IsRecorded_AndItsPasswordIsInNeitherStoreNorAudit()
    {
        // The test's own directory: the store's files are read after the broker has stopped.
        var dataDirectory = Directory.CreateTempSubdirectory("iamdb-secrets-").FullName;
        var kit = await RedshiftTestKit.StartAsync(postgres, configure: o => o.DataDirectory = dataDirectory);
        string password;
        string login;
        try
        {
            var user = Unique("u");
            await kit.EnsureRoleAsync(user);
            var reply = await kit.GetCredentialsAsync(user);
            Assert.Null(reply.ErrorCode);
            (login, password) = (reply.Find("DbUser")!, reply.Find("DbPassword")!);

            var credential = (await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.GetAsync(reply.RequestId!, c), TestContext.Current.CancellationToken))!;
            Assert.NotNull(credential);
            Assert.Equal(login, credential.LoginRoleName);
            Assert.Equal(user, credential.DbUser);
            Assert.Equal("clusterA", credential.ClusterIdentifier);
            Assert.Equal($"arn:aws:iam::{kit.Broker.AccountId}:root", credential.PrincipalArn);

            var audit = (await kit.Broker.AuditAsync()).First(a => a.RequestId == reply.RequestId);
            Assert.Equal("GetClusterCredentials", audit.EventName);
            Assert.Contains(login, audit.ResponseElements!.Value.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(password, audit.ResponseElements!.Value.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(password, kit.Broker.Logs.All, StringComparison.Ordinal);
        }
        finally
        {
            await kit.DisposeAsync();
        }

        var adminPassword = kit.AdminPassword;
        // The database and its journal; state.db.lock (the store-in-use lock) holds nothing.
        foreach (var file in Directory.GetFiles(dataDirectory, "state.db*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            var text = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
            Assert.False(text.Contains(password, StringComparison.Ordinal), $"{Path.GetFileName(file)} holds the temporary password");
            Assert.False(text.Contains(adminPassword, StringComparison.Ordinal), $"{Path.GetFileName(file)} holds the admin password in clear");
            Assert.Contains(login, text, StringComparison.Ordinal);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task TwoHundredConcurrentRequestsForOneUser_GiveTwoHundredWorkingCredentials()
    {
        await using var kit = await RedshiftTestKit.StartAsync(postgres);
        var user = Unique("u");
        await kit.EnsureRoleAsync(user);
        var (_, key) = await StoreSeed.UserWithKeyAsync(kit.Broker, "busy", Allow("*"));

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => kit.GetCredentialsAsync(user, key)));

        Assert.All(replies, r => Assert.True(r.ErrorCode is null, r.ErrorCode + " " + r.ErrorMessage));
        var credentials = replies.Select(r => (User: r.Find("DbUser")!, Password: r.Find("DbPassword")!)).ToList();
        Assert.Equal(200, credentials.Select(c => c.User).Distinct().Count());
        Assert.Equal(200, credentials.Select(c => c.Password).Distinct().Count());
        foreach (var (login, password) in credentials)
        {
            Assert.Equal(user, await kit.CurrentUserAsync(login, password));
        }

        var recorded = await kit.Broker.Store.ReadAsync((r, c) => r.Credentials.ListAsync(new(kit.Broker.AccountId), new(null, 1000), c), TestContext.Current.CancellationToken);
        Assert.Equal(200, recorded.Items.Count);
    }

    private static async Task<bool> IsMemberAsync(RedshiftTestKit kit, QueryReply credential, string group)
    {
        await using var connection = await kit.ConnectAsync(credential.Find("DbUser")!, credential.Find("DbPassword")!);
        await using var command = new NpgsqlCommand($"SELECT pg_has_role(session_user, '{group}', 'MEMBER')", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
