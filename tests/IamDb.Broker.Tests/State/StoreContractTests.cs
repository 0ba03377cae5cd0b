using IamDb.Broker.Secrets;
using IamDb.Broker.State;
using IamDb.Broker.State.Iam;
using static IamDb.Broker.Tests.State.StoreTestData;

namespace IamDb.Broker.Tests.State;

/// <summary>
/// The behaviour every store implementation must have. Subclasses supply the database; each test works in
/// its own account so tests can share one database.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private readonly List<IStateStore> _stores = [];

    /// <summary>The master key the database was created with; a shared database needs one key for all its tests.</summary>
    internal virtual MasterKey Key { get; } = MasterKey.Generate();

    internal IStateStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Store = await OpenStoreAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Opens another store instance on the same database (a second broker node).</summary>
    internal async Task<IStateStore> OpenStoreAsync(MasterKey? key = null)
    {
        var store = await OpenStoreCoreAsync(new SecretProtector(key ?? Key));
        _stores.Add(store);
        return store;
    }

    internal abstract Task<IStateStore> OpenStoreCoreAsync(SecretProtector protector);

    /// <summary>Runs a scalar query directly on the database, bypassing the store.</summary>
    internal abstract Task<object?> ScalarAsync(string sql);

    [Fact]
    public async Task Users_CreateThenGet_RoundTripsEveryFieldWithMillisecondTimes()
    {
        var account = NewAccount();
        var user = User(account, "Adam", "/eng/") with
        {
            CreatedAt = Now.AddTicks(1234),
            PermissionsBoundaryArn = $"arn:aws:iam::{account}:policy/Boundary",
            Tags = [new Tag("team", "data"), new Tag("cost", "42")],
        };

        var created = await Store.WriteAsync((w, ct) => w.Users.CreateAsync(user, ct), Ct);
        var byName = await Store.ReadAsync((r, ct) => r.Users.GetAsync(account, "ADAM", ct), Ct);
        var byId = await Store.ReadAsync((r, ct) => r.Users.GetByIdAsync(user.UserId, ct), Ct);

        Assert.Equal(Now, created.CreatedAt);
        Assert.NotNull(byName);
        Assert.Equal(created with { Tags = byName.Tags }, byName);
        Assert.Equal(user.Tags, byName.Tags);
        Assert.Equal(user.UserId, byId?.UserId);
    }

    [Theory]
    [InlineData("adam", "adam")]
    [InlineData("adam", "ADAM")]
    [InlineData("Adam", "aDaM")]
    public async Task Users_CreateSameNameAnyCase_ThrowsEntityAlreadyExists(string first, string second)
    {
        var account = NewAccount();
        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, first), ct), Ct);

        var e = await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, second), ct), Ct));

        Assert.Equal("User", e.EntityKind);
        Assert.Equal($"User with name {second} already exists.", e.Message);
    }

    [Fact]
    public async Task Users_SameNameInAnotherAccount_IsAllowed()
    {
        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(NewAccount(), "adam"), ct), Ct);
        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(NewAccount(), "adam"), ct), Ct);
    }

    [Fact]
    public async Task Users_ListInPages_ReturnsAllInNameOrderWithMarkers()
    {
        var account = NewAccount();
        string[] names = ["erin", "Bob", "alice", "Dave", "carol"];
        await Store.WriteAsync(
            async (w, ct) =>
            {
                foreach (var name in names)
                {
                    await w.Users.CreateAsync(User(account, name), ct);
                }
            },
            Ct);

        var seen = new List<string>();
        var page = new PageRequest(MaxItems: 2);
        var pages = 0;
        while (true)
        {
            var result = await Store.ReadAsync((r, ct) => r.Users.ListAsync(account, null, page, ct), Ct);
            pages++;
            Assert.True(result.Items.Count <= 2);
            seen.AddRange(result.Items.Select(u => u.UserName));
            if (!result.IsTruncated)
            {
                break;
            }

            page = page with { Marker = result.NextMarker };
        }

        Assert.Equal(3, pages);
        Assert.Equal(["alice", "Bob", "carol", "Dave", "erin"], seen);
    }

    [Fact]
    public async Task Users_ListWithPathPrefix_ReturnsOnlyUsersUnderThatPath()
    {
        var account = NewAccount();
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(User(account, "a", "/eng/"), ct);
                await w.Users.CreateAsync(User(account, "b", "/eng/data/"), ct);
                await w.Users.CreateAsync(User(account, "c", "/ops/"), ct);
                await w.Users.CreateAsync(User(account, "d", "/"), ct);
            },
            Ct);

        var eng = await Store.ReadAsync((r, ct) => r.Users.ListAsync(account, "/eng/", PageRequest.First, ct), Ct);
        var all = await Store.ReadAsync((r, ct) => r.Users.ListAsync(account, "/", PageRequest.First, ct), Ct);
        var caseSensitive = await Store.ReadAsync((r, ct) => r.Users.ListAsync(account, "/ENG/", PageRequest.First, ct), Ct);

        Assert.Equal(["a", "b"], eng.Items.Select(u => u.UserName));
        Assert.Equal(4, all.Items.Count);
        Assert.Empty(caseSensitive.Items);
    }

    [Fact]
    public async Task List_MarkerFromAnotherListOrGarbage_ThrowsInvalidMarker()
    {
        var account = NewAccount();
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Roles.CreateAsync(Role(account, "r1"), ct);
                await w.Roles.CreateAsync(Role(account, "r2"), ct);
            },
            Ct);
        var roles = await Store.ReadAsync((r, ct) => r.Roles.ListAsync(account, null, new PageRequest(MaxItems: 1), ct), Ct);

        await Assert.ThrowsAsync<InvalidMarkerException>(
            () => Store.ReadAsync((r, ct) => r.Users.ListAsync(account, null, new PageRequest(roles.NextMarker), ct), Ct));
        await Assert.ThrowsAsync<InvalidMarkerException>(
            () => Store.ReadAsync((r, ct) => r.Users.ListAsync(account, null, new PageRequest("!!not-a-marker!!"), ct), Ct));
    }

    [Fact]
    public async Task Users_Update_RenamesAndRefusesATakenName()
    {
        var account = NewAccount();
        var adam = User(account, "adam");
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(adam, ct);
                await w.Users.CreateAsync(User(account, "eve"), ct);
            },
            Ct);

        var renamed = adam with { UserName = "adam2", Arn = $"arn:aws:iam::{account}:user/adam2" };
        Assert.True(await Store.WriteAsync((w, ct) => w.Users.UpdateAsync(renamed, ct), Ct));
        await Assert.ThrowsAsync<EntityAlreadyExistsException>(
            () => Store.WriteAsync((w, ct) => w.Users.UpdateAsync(renamed with { UserName = "EVE" }, ct), Ct));

        Assert.Null(await Store.ReadAsync((r, ct) => r.Users.GetAsync(account, "adam", ct), Ct));
        Assert.Equal(renamed.Arn, (await Store.ReadAsync((r, ct) => r.Users.GetAsync(account, "adam2", ct), Ct))?.Arn);
        Assert.False(await Store.WriteAsync((w, ct) => w.Users.UpdateAsync(User(account, "ghost"), ct), Ct));
    }

    [Fact]
    public async Task Users_DeleteWhileDependentsRemain_ThrowsDeleteConflictUntilTheyAreGone()
    {
        var account = NewAccount();
        var user = User(account, "adam");
        var group = Group(account, "devs");
        var key = Key(account, user.UserId);
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(user, ct);
                await w.Groups.CreateAsync(group, ct);
                await w.Groups.AddMemberAsync(group.GroupId, user.UserId, ct);
                await w.AccessKeys.CreateAsync(key, ct);
                await w.InlinePolicies.PutAsync(account, PrincipalKind.User, new InlinePolicy(user.UserId, "inline", Document), ct);
                await w.Policies.AttachAsync(account, PrincipalKind.User, user.UserId, "arn:aws:iam::aws:policy/ReadOnlyAccess", ct);
            },
            Ct);

        async Task<string> DeleteConflict() =>
            (await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Users.DeleteAsync(account, "adam", ct), Ct))).Message;

        Assert.Equal("Cannot delete entity, must delete access keys first.", await DeleteConflict());
        await Store.WriteAsync((w, ct) => w.AccessKeys.DeleteAsync(key.AccessKeyId, ct), Ct);
        Assert.Equal("Cannot delete entity, must remove users from group first.", await DeleteConflict());
        await Store.WriteAsync((w, ct) => w.Groups.RemoveMemberAsync(group.GroupId, user.UserId, ct), Ct);
        Assert.Equal("Cannot delete entity, must detach all policies first.", await DeleteConflict());
        await Store.WriteAsync((w, ct) => w.Policies.DetachAsync(user.UserId, "arn:aws:iam::aws:policy/ReadOnlyAccess", ct), Ct);
        Assert.Equal("Cannot delete entity, must delete policies first.", await DeleteConflict());
        await Store.WriteAsync((w, ct) => w.InlinePolicies.DeleteAsync(user.UserId, "INLINE", ct), Ct);

        Assert.True(await Store.WriteAsync((w, ct) => w.Users.DeleteAsync(account, "adam", ct), Ct));
        Assert.False(await Store.WriteAsync((w, ct) => w.Users.DeleteAsync(account, "adam", ct), Ct));
    }

    [Fact]
    public async Task WriteAsync_DelegateThrowsMidway_LeavesNothingBehind()
    {
        var account = NewAccount();
        var user = User(account, "adam");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(user, ct);
                await w.Groups.CreateAsync(Group(account, "devs"), ct);
                await w.AccessKeys.CreateAsync(Key(account, user.UserId), ct);
                throw new InvalidOperationException("boom");
            },
            Ct));

        Assert.Null(await Store.ReadAsync((r, ct) => r.Users.GetAsync(account, "adam", ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.Groups.GetAsync(account, "devs", ct), Ct));
        Assert.Empty(await Store.ReadAsync((r, ct) => r.AccessKeys.ListAsync(account, user.UserId, ct), Ct));
    }

    [Fact]
    public async Task WriteAsync_ConflictAfterEarlierWrites_RollsBackTheEarlierWrites()
    {
        var account = NewAccount();
        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, "taken"), ct), Ct);

        await Assert.ThrowsAsync<EntityAlreadyExistsException>(() => Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Roles.CreateAsync(Role(account, "fresh"), ct);
                await w.Users.CreateAsync(User(account, "TAKEN"), ct);
            },
            Ct));

        Assert.Null(await Store.ReadAsync((r, ct) => r.Roles.GetAsync(account, "fresh", ct), Ct));
    }

    [Fact]
    public async Task Groups_Membership_IsQueryableBothWaysAndBlocksGroupDelete()
    {
        var account = NewAccount();
        var (alice, bob) = (User(account, "alice"), User(account, "bob"));
        var (devs, ops) = (Group(account, "devs"), Group(account, "ops", "/x/"));
        await Store.WriteAsync(
            async (w, ct) =>
            {
                await w.Users.CreateAsync(alice, ct);
                await w.Users.CreateAsync(bob, ct);
                await w.Groups.CreateAsync(devs, ct);
                await w.Groups.CreateAsync(ops, ct);
                Assert.True(await w.Groups.AddMemberAsync(devs.GroupId, alice.UserId, ct));
                Assert.True(await w.Groups.AddMemberAsync(devs.GroupId, bob.UserId, ct));
                Assert.True(await w.Groups.AddMemberAsync(ops.GroupId, alice.UserId, ct));
                Assert.False(await w.Groups.AddMemberAsync(ops.GroupId, alice.UserId, ct));
            },
            Ct);

        var members = await Store.ReadAsync((r, ct) => r.Groups.ListMembersAsync(devs.GroupId, PageRequest.First, ct), Ct);
        var aliceGroups = await Store.ReadAsync((r, ct) => r.Groups.ListGroupsForUserAsync(alice.UserId, new PageRequest(MaxItems: 1), ct), Ct);
        var groupsUnderX = await Store.ReadAsync((r, ct) => r.Groups.ListAsync(account, "/x/", PageRequest.First, ct), Ct);

        Assert.Equal(["alice", "bob"], members.Items.Select(u => u.UserName));
        Assert.Equal(["devs"], aliceGroups.Items.Select(g => g.GroupName));
        Assert.True(aliceGroups.IsTruncated);
        Assert.Equal(["ops"], groupsUnderX.Items.Select(g => g.GroupName));
        var e = await Assert.ThrowsAsync<DeleteConflictException>(() => Store.WriteAsync((w, ct) => w.Groups.DeleteAsync(account, "devs", ct), Ct));
        Assert.Equal("Cannot delete entity, must remove users from group first.", e.Message);
        await Assert.ThrowsAsync<NoSuchEntityException>(() => Store.WriteAsync((w, ct) => w.Groups.AddMemberAsync(devs.GroupId, "AIDANOSUCHUSER", ct), Ct));
    }

    [Fact]
    public async Task Roles_CreateUpdateDelete_RoundTripsAndConflictsOnName()
    {
        var account = NewAccount();
        var role = Role(account, "Deployer", "/ci/") with { Description = "deploys", MaxSessionDuration = 7200, Tags = [new Tag("a", "b")] };
        await Store.WriteAsync((w, ct) => w.Roles.CreateAsync(role, ct), Ct);
        await Assert.ThrowsAsync<EntityAlreadyExistsException>(() => Store.WriteAsync((w, ct) => w.Roles.CreateAsync(Role(account, "deployer"), ct), Ct));

        var updated = role with { Description = null, MaxSessionDuration = 3600, AssumeRolePolicyDocument = Document };
        Assert.True(await Store.WriteAsync((w, ct) => w.Roles.UpdateAsync(updated, ct), Ct));
        var read = await Store.ReadAsync((r, ct) => r.Roles.GetByIdAsync(role.RoleId, ct), Ct);

        Assert.NotNull(read);
        Assert.Equal(updated with { Tags = read.Tags }, read);
        Assert.Equal([new Tag("a", "b")], read.Tags);
        Assert.True(await Store.WriteAsync((w, ct) => w.Roles.DeleteAsync(account, "DEPLOYER", ct), Ct));
        Assert.Null(await Store.ReadAsync((r, ct) => r.Roles.GetAsync(account, "Deployer", ct), Ct));
    }

    [Fact]
    public async Task TwoStores_WriteThroughOne_IsVisibleThroughTheOtherAtOnce()
    {
        var other = await OpenStoreAsync();
        var account = NewAccount();

        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, "adam"), ct), Ct);
        var seen = await other.ReadAsync((r, ct) => r.Users.GetAsync(account, "adam", ct), Ct);
        await other.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, "eve"), ct), Ct);

        Assert.NotNull(seen);
        Assert.NotNull(await Store.ReadAsync((r, ct) => r.Users.GetAsync(account, "eve", ct), Ct));
    }

    [Fact]
    public async Task TwoStores_TwentyConcurrentCreatesOfOneName_ExactlyOneSucceeds()
    {
        var other = await OpenStoreAsync();
        var account = NewAccount();
        var stores = new[] { Store, other };

        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                // Check-then-write, as a handler does it.
                await stores[i % 2].WriteAsync(
                    async (w, ct) =>
                    {
                        if (await w.Users.GetAsync(account, "racer", ct) is not null)
                        {
                            throw new EntityAlreadyExistsException("User", "racer", "User with name racer already exists.");
                        }

                        await w.Users.CreateAsync(User(account, i % 3 == 0 ? "RACER" : "racer"), ct);
                    },
                    Ct);
                return true;
            }
            catch (EntityAlreadyExistsException)
            {
                return false;
            }
        }));
        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(1, outcomes.Count(succeeded => succeeded));
        var listed = await Store.ReadAsync((r, ct) => r.Users.ListAsync(account, null, PageRequest.First, ct), Ct);
        Assert.Single(listed.Items);
    }

    [Fact]
    public async Task Open_Again_AppliesNoMigrationTwice()
    {
        var before = Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
        await OpenStoreAsync();
        await OpenStoreAsync();

        Assert.True(before >= 1);
        Assert.Equal(before, Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM schema_migrations")));
        Assert.Equal(before, Convert.ToInt64(await ScalarAsync("SELECT MAX(version) FROM schema_migrations"))); // versions 1..N, each once
    }

    [Fact]
    public async Task Open_WithAnotherMasterKey_FailsClearlyAndChangesNothing()
    {
        var account = NewAccount();
        await Store.WriteAsync((w, ct) => w.Users.CreateAsync(User(account, "adam"), ct), Ct);
        var migrations = Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
        var check = await ScalarAsync("SELECT value FROM store_metadata");

        var e = await Assert.ThrowsAsync<MasterKeyException>(() => OpenStoreAsync(MasterKey.Generate()));

        Assert.StartsWith("the master key does not match the one this data directory was created with", e.Message);
        Assert.Equal(migrations, Convert.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM schema_migrations")));
        Assert.Equal((byte[])check!, (byte[])(await ScalarAsync("SELECT value FROM store_metadata"))!);
        var reopened = await OpenStoreAsync(Key);
        Assert.NotNull(await reopened.ReadAsync((r, ct) => r.Users.GetAsync(account, "adam", ct), Ct));
    }
}
