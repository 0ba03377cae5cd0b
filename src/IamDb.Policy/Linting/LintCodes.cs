namespace IamDb.Policy.Linting;

/// <summary>The stable lint rule codes; the table in <c>docs/policy-lint.md</c> describes each.</summary>
internal static class LintCodes
{
    public const string CredentialActionOnEveryResource = "IAMDB-L001";
    public const string UnknownAction = "IAMDB-L002";
    public const string WildcardMatchesNoAction = "IAMDB-L003";
    public const string UnknownConditionKey = "IAMDB-L004";
    public const string VariableWithoutVersion2012 = "IAMDB-L005";
    public const string NotActionEverything = "IAMDB-L006";
    public const string ResourceServiceMismatch = "IAMDB-L007";
    public const string ContradictoryEquality = "IAMDB-L008";
    public const string NullTrueWithValueTest = "IAMDB-L009";
    public const string EmptyRange = "IAMDB-L010";
    public const string NotActionWithAllow = "IAMDB-L011";
    public const string NotResourceWithAllow = "IAMDB-L012";
    public const string PublicPrincipalWithoutCondition = "IAMDB-L013";
    public const string SetOperatorOnSingleValuedKey = "IAMDB-L014";
    public const string MissingSetOperatorOnMultivaluedKey = "IAMDB-L015";
    public const string OperatorKeyTypeMismatch = "IAMDB-L016";
    public const string IdInIdentityPolicy = "IAMDB-L017";
    public const string NotPrincipalWithAllow = "IAMDB-L018";
}
