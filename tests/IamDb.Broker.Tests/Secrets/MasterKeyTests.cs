using IamDb.Broker.Secrets;

namespace IamDb.Broker.Tests.Secrets;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MasterKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("iamdb-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_NoVariableNoFile_CreatesOwnerOnlyKeyFileAndReusesIt()
    {
        var first = MasterKey.Load(_directory, _ => null);
        var second = MasterKey.Load(_directory, _ => null);
        var path = Path.Combine(_directory, MasterKey.FileName);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(first.Bytes.ToArray(), second.Bytes.ToArray());
        Assert.Equal(path, second.Source);
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Load_ConcurrentFirstStarts_AllGetTheSameKey()
    {
        var keys = Enumerable.Range(0, 8).AsParallel().Select(_ => Convert.ToBase64String(MasterKey.Load(_directory, _ => null).Bytes)).ToList();

        Assert.Single(keys.Distinct());
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Load_FromVariable_UsesItAndWritesNoFile()
    {
        var key = MasterKey.Generate();
        var base64 = Convert.ToBase64String(key.Bytes);

        var loaded = MasterKey.Load(_directory, name => name == MasterKey.EnvironmentVariable ? base64 : null);

        Assert.Equal(key.Bytes.ToArray(), loaded.Bytes.ToArray());
        Assert.Equal(MasterKey.EnvironmentVariable, loaded.Source);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Theory]
    [InlineData(16, "decodes to 16 bytes, but the master key must be exactly 32 bytes")]
    [InlineData(31, "decodes to 31 bytes")]
    [InlineData(33, "decodes to 33 bytes")]
    [InlineData(64, "decodes to 64 bytes")]
    public void Load_VariableOfWrongLength_FailsWithClearMessageWithoutTheValue(int length, string expected)
    {
        var value = Convert.ToBase64String(Enumerable.Range(1, length).Select(i => (byte)i).ToArray());

        var e = Assert.Throws<MasterKeyException>(() => MasterKey.Load(_directory, _ => value));

        Assert.StartsWith("IAMDB_MASTER_KEY ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_VariableNotBase64_FailsWithClearMessageWithoutTheValue()
    {
        const string value = "this is not base64 at all!";

        var e = Assert.Throws<MasterKeyException>(() => MasterKey.Load(_directory, _ => value));

        Assert.Equal("IAMDB_MASTER_KEY is not valid base64: it must be the base64 encoding of 32 random bytes (for example: openssl rand -base64 32)", e.Message);
    }

    [Fact]
    public void Load_KeyFileReadableByOthers_IsRefused()
    {
        MasterKey.Load(_directory, _ => null);
        var path = Path.Combine(_directory, MasterKey.FileName);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var e = Assert.Throws<MasterKeyException>(() => MasterKey.Load(_directory, _ => null));

        Assert.Contains("chmod 600", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_NeverShowsTheKey()
    {
        var key = MasterKey.Generate();

        Assert.DoesNotContain(Convert.ToBase64String(key.Bytes), key.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key.Bytes), key.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
