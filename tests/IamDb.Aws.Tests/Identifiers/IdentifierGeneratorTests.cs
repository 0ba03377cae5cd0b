using IamDb.Aws.Identifiers;

namespace IamDb.Aws.Tests.Identifiers;

public class IdentifierGeneratorTests
{
    private static IdentifierGenerator CreateSut(byte fill) => new(span => span.Fill(fill));

    [Fact]
    public void NewUniqueIds_Shared_HaveIamShapes()
    {
        var sut = IdentifierGenerator.Shared;
        Assert.True(IdentifierShapes.IsUniqueId(sut.NewUserId(), IamIdPrefixes.User));
        Assert.True(IdentifierShapes.IsUniqueId(sut.NewGroupId(), IamIdPrefixes.Group));
        Assert.True(IdentifierShapes.IsUniqueId(sut.NewRoleId(), IamIdPrefixes.Role));
        Assert.True(IdentifierShapes.IsUniqueId(sut.NewPolicyId(), IamIdPrefixes.Policy));
        Assert.True(IdentifierShapes.IsUniqueId(sut.NewPolicyVersionId(), IamIdPrefixes.PolicyVersion));
        Assert.Equal(21, sut.NewUserId().Length);
    }

    [Fact]
    public void NewAccessKeyIds_Shared_HaveAkiaAndAsiaShapes()
    {
        var longTerm = IdentifierGenerator.Shared.NewLongTermAccessKeyId();
        var temporary = IdentifierGenerator.Shared.NewTemporaryAccessKeyId();
        Assert.Equal(20, longTerm.Length);
        Assert.StartsWith("AKIA", longTerm);
        Assert.StartsWith("ASIA", temporary);
        Assert.True(IdentifierShapes.IsLongTermAccessKeyId(longTerm));
        Assert.True(IdentifierShapes.IsTemporaryAccessKeyId(temporary));
        Assert.False(IdentifierShapes.IsTemporaryAccessKeyId(longTerm));
        Assert.True(IdentifierShapes.IsAccessKeyId(temporary));
    }

    [Fact]
    public void NewSecretAccessKey_Shared_Is40CharsOfBase64Alphabet()
    {
        var secret = IdentifierGenerator.Shared.NewSecretAccessKey();
        Assert.True(IdentifierShapes.IsSecretAccessKey(secret), "secret shape");
        Assert.NotEqual(secret, IdentifierGenerator.Shared.NewSecretAccessKey());
    }

    [Fact]
    public void NewRequestId_Shared_IsLowercaseVersion4Uuid()
    {
        var id = IdentifierGenerator.Shared.NewRequestId();
        Assert.True(IdentifierShapes.IsRequestId(id), id);
        Assert.Equal('4', id[14]);
        Assert.Contains(id[19], "89ab");
    }

    [Fact]
    public void Generator_DeterministicSource_IsDeterministic()
    {
        Assert.Equal("AIDAAAAAAAAAAAAAAAAAA", CreateSut(0).NewUserId());
        Assert.Equal("AKIA" + new string('7', 16), CreateSut(0xFF).NewLongTermAccessKeyId());
        Assert.Equal(new string('/', 40), CreateSut(0xFF).NewSecretAccessKey());
        Assert.Equal("00000000-0000-4000-8000-000000000000", CreateSut(0).NewRequestId());
        Assert.Equal("ffffffff-ffff-4fff-bfff-ffffffffffff", CreateSut(0xFF).NewRequestId());
    }

    [Fact]
    public void Generator_ManyIds_UseWholeAlphabetAndDoNotRepeat()
    {
        var seen = new HashSet<string>();
        var chars = new HashSet<char>();
        for (var i = 0; i < 2000; i++)
        {
            var id = IdentifierGenerator.Shared.NewUserId();
            Assert.True(seen.Add(id));
            chars.UnionWith(id[4..]);
        }

        Assert.Equal(IdentifierGenerator.Base32Alphabet.Order(), chars.Order());
    }

    [Fact]
    public void NewUniqueId_NotAUniqueIdPrefix_Throws() =>
        Assert.Throws<ArgumentException>(() => IdentifierGenerator.Shared.NewUniqueId(IamIdPrefixes.LongTermAccessKey));

    [Theory]
    [InlineData("AIDACKCEVSQ6C2EXAMPLE", true)]
    [InlineData("AROA3XFRBF535PLBIFPI4", true)]
    [InlineData("AIDACKCEVSQ6C2EXAMPL", false)]
    [InlineData("AIDACKCEVSQ6C2EXAMPLE1", false)]
    [InlineData("AKIACKCEVSQ6C2EXAMPLE", false)]
    [InlineData("AIDACKCEVSQ6C2EXAMPL1", false)]
    [InlineData("aidacKCEVSQ6C2EXAMPLE", false)]
    [InlineData(null, false)]
    public void IsUniqueId_Shapes(string? value, bool expected) => Assert.Equal(expected, IdentifierShapes.IsUniqueId(value));

    [Theory]
    [InlineData("AKIAIOSFODNN7EXAMPLE", true)]
    [InlineData("ASIAIOSFODNN7EXAMPLE", true)]
    [InlineData("AKIAIOSFODNN7EXAMPL1", false)] // AWS's EXAMPLE key with a 1, which is not in the A-Z2-7 alphabet
    [InlineData("AKIAIOSFODNN7EXAMPLEX", false)]
    [InlineData("AGPAIOSFODNN7EXAMPLE", false)]
    [InlineData("", false)]
    public void IsAccessKeyId_Shapes(string value, bool expected) => Assert.Equal(expected, IdentifierShapes.IsAccessKeyId(value));

    [Theory]
    [InlineData("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true)]
    [InlineData("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", false)]
    [InlineData("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE=", false)]
    public void IsSecretAccessKey_Shapes(string value, bool expected) => Assert.Equal(expected, IdentifierShapes.IsSecretAccessKey(value));

    [Theory]
    [InlineData("f1dfd149-5bee-11e6-90ab-4b1e521fd574", true)]
    [InlineData("F1DFD149-5BEE-11E6-90AB-4B1E521FD574", false)]
    [InlineData("f1dfd1495bee11e690ab4b1e521fd574", false)]
    [InlineData("f1dfd149-5bee-11e6-90ab-4b1e521fd57g", false)]
    public void IsRequestId_Shapes(string value, bool expected) => Assert.Equal(expected, IdentifierShapes.IsRequestId(value));
}
