using IamDb.Broker.Tests.Support;

namespace IamDb.Broker.Tests.Security;

/// <summary>The data directory and everything in it are private to the broker's user, also when it existed before.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryPermissionTests
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task PreExistingOpenDirectory_IsTightenedOnStart()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-perm-").FullName;
        try
        {
            File.SetUnixFileMode(directory, DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var stray = Path.Combine(directory, "notes.txt");
            await File.WriteAllTextAsync(stray, "left here by the operator", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(stray, FileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            await using (var broker = await TestBroker.StartAsync(o => o.DataDirectory = directory))
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, (await broker.CallAsync("sts", "GetCallerIdentity")).Status);
                AssertPrivate(directory);
            }

            AssertPrivate(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task GeneratedTlsFiles_ArePrivateWhileTheBrokerRuns()
    {
        var directory = Directory.CreateTempSubdirectory("iamdb-perm-").FullName;
        try
        {
            await using var broker = await TestBroker.StartAsync(o =>
            {
                o.DataDirectory = directory;
                o.Urls.Clear();
                o.Urls.Add("https://127.0.0.1:0");
                o.GenerateTlsCertificate = true;
            });

            Assert.True(File.Exists(broker.Host.CaCertificatePath));
            AssertPrivate(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void AssertPrivate(string directory)
    {
        Assert.Equal(DirectoryMode, File.GetUnixFileMode(directory));
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
        {
            var mode = File.GetUnixFileMode(entry);
            var expected = Directory.Exists(entry) ? DirectoryMode : FileMode;
            Assert.True((mode & ~expected) == 0, $"{entry} has mode {Convert.ToString((int)mode, 8)}");
        }
    }
}
