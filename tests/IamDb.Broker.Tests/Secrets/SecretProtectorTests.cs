using System.Text;
using IamDb.Broker.Secrets;

namespace IamDb.Broker.Tests.Secrets;

public sealed class SecretProtectorTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private readonly SecretProtector _protector = new(MasterKey.Generate());

    [Fact]
    public void Protect_ThenUnprotectWithSameContext_RoundTrips()
    {
        var blob = _protector.Protect(new SecretString(Secret), "iam-access-key:AKIA1");

        Assert.Equal(Secret, _protector.UnprotectString(blob, "iam-access-key:AKIA1").Reveal());
        Assert.Equal(1, blob[0]);
        Assert.Equal(_protector.KeyId, blob[1]);
        Assert.Equal(2 + 12 + Encoding.UTF8.GetByteCount(Secret) + 16, blob.Length);
    }

    [Fact]
    public void Protect_SameSecretTwice_UsesFreshNonces()
    {
        var a = _protector.Protect(new SecretString(Secret), "ctx");
        var b = _protector.Protect(new SecretString(Secret), "ctx");

        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(-1)]
    public void Unprotect_AnyByteTampered_ThrowsWithoutTheSecret(int index)
    {
        var blob = _protector.Protect(new SecretString(Secret), "ctx");
        blob[index < 0 ? blob.Length + index : index] ^= 0x01;

        var e = Assert.Throws<SecretDecryptionException>(() => _protector.Unprotect(blob, "ctx"));

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_OtherRecordsContext_Throws()
    {
        var blob = _protector.Protect(new SecretString(Secret), "iam-access-key:AKIA1");

        Assert.Throws<SecretDecryptionException>(() => _protector.Unprotect(blob, "iam-access-key:AKIA2"));
    }

    [Fact]
    public void Unprotect_UnderAnotherMasterKey_Throws()
    {
        var blob = _protector.Protect(new SecretString(Secret), "ctx");

        Assert.Throws<SecretDecryptionException>(() => new SecretProtector(MasterKey.Generate()).Unprotect(blob, "ctx"));
    }

    [Fact]
    public void Unprotect_Truncated_Throws()
    {
        Assert.Throws<SecretDecryptionException>(() => _protector.Unprotect([1, 1, 0, 0], "ctx"));
    }

    [Fact]
    public void SecretString_ToStringAndInterpolation_AreRedacted()
    {
        var secret = new SecretString(Secret);

        Assert.Equal(SecretString.Redacted, secret.ToString());
        Assert.DoesNotContain(Secret, $"{secret}", StringComparison.Ordinal);
        Assert.Equal(new SecretString(Secret), secret);
        Assert.NotEqual(new SecretString(Secret + "x"), secret);
    }
}
