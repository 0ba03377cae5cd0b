using IamDb.Policy.Compilation;
using IamDb.Policy.Validation;

namespace IamDb.Policy.Tests.Validation;

public class ConditionOperatorCatalogTests
{
    [Theory]
    [InlineData("StringEquals", "None", "StringEquals", "StringEquals", false, false)]
    [InlineData("ForAllValues:StringNotLikeIfExists", "ForAllValues", "StringNotLike", "StringLike", true, true)]
    [InlineData("ForAnyValue:ArnLike", "ForAnyValue", "ArnLike", "Arn", false, false)]
    [InlineData("NotIpAddressIfExists", "None", "NotIpAddress", "IpAddress", true, true)]
    [InlineData("DateLessThanEquals", "None", "DateLessThanEquals", "Date", false, false)]
    [InlineData("NumericGreaterThanIfExists", "None", "NumericGreaterThan", "Numeric", true, false)]
    [InlineData("BoolIfExists", "None", "Bool", "Bool", true, false)]
    [InlineData("BinaryEquals", "None", "BinaryEquals", "Binary", false, false)]
    [InlineData("Null", "None", "Null", "Null", false, false)]
    public void TryParse_ValidOperator_TakesItApart(string op, string qualifier, string baseName, string family, bool ifExists, bool negated)
    {
        Assert.True(ConditionOperatorCatalog.TryParse(op, out var info));
        var expected = new ConditionOperatorInfo(Enum.Parse<SetQualifier>(qualifier), baseName, Enum.Parse<ConditionFamily>(family), ifExists, negated);
        Assert.Equal(expected, info);
    }

    [Theory]
    [InlineData("NullIfExists")]
    [InlineData("StringEqual")]
    [InlineData("stringEquals")]
    [InlineData("ForAllValues:")]
    [InlineData("ForAnyValues:StringLike")]
    [InlineData("StringEqualsIfExistsIfExists")]
    [InlineData("IfExists")]
    [InlineData("")]
    [InlineData(" StringEquals")]
    [InlineData("ForAnyValue:Null")] // the compiler refuses it, so the validator must too
    public void TryParse_InvalidOperator_ReturnsFalse(string op) => Assert.False(ConditionOperatorCatalog.TryParse(op, out _));

    [Theory]
    [InlineData("StringEquals")]
    [InlineData("ForAllValues:StringNotLikeIfExists")]
    [InlineData("ForAnyValue:NullIfExists")]
    [InlineData("Null")]
    [InlineData("DateGreaterThanEqualsIfExists")]
    public void TryParse_AgreesWithTheCompiler(string op) =>
        Assert.Equal(ConditionOperator.TryParse(op, out _, out _), ConditionOperatorCatalog.TryParse(op, out _));
}
