using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

/// <summary>
/// The verifier's own check of the usual enveloped signature (<see cref="PlainEnvelopedSignature"/>): it must be the
/// path the usual responses take, refuse what <c>SignedXml</c> refuses, and hand every other shape to <c>SignedXml</c>.
/// </summary>
public sealed class PlainEnvelopedSignatureTests : IDisposable
{
    private static readonly HashSet<string> SignatureMethods =
        [SamlNames.RsaSha256, SamlNames.RsaSha384, SamlNames.RsaSha512, SamlNames.EcdsaSha256, SamlNames.EcdsaSha384, SamlNames.EcdsaSha512];

    private static readonly HashSet<string> DigestMethods = [SamlNames.Sha256, SamlNames.Sha384, SamlNames.Sha512];

    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private PlainEnvelopedSignature.Outcome Check(XmlDocument document, XmlElement signed, TestSamlIdp? metadataOf = null)
    {
        // As the verifier sees it: serialized and parsed again.
        var parsed = new XmlDocument { PreserveWhitespace = true };
        parsed.LoadXml(document.OuterXml);
        var element = signed == TestSamlIdp.Response(document) ? TestSamlIdp.Response(parsed) : TestSamlIdp.Assertion(parsed);
        var signature = element.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Signature");
        return PlainEnvelopedSignature.TryVerify(
            signature, element, element.GetAttribute("ID"), [(metadataOf ?? _idp).Certificate], SignatureMethods, DigestMethods);
    }

    [Theory]
    [InlineData(SamlNames.RsaSha256, SamlNames.Sha256)]
    [InlineData(SamlNames.RsaSha384, SamlNames.Sha384)]
    [InlineData(SamlNames.RsaSha512, SamlNames.Sha512)]
    public void A_usual_RSA_signature_on_the_assertion_or_the_response_is_verified_here(string signatureMethod, string digestMethod)
    {
        var onAssertion = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(onAssertion), signatureMethod, digestMethod);
        var onResponse = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Response(onResponse), signatureMethod, digestMethod);

        Assert.Equal(PlainEnvelopedSignature.Outcome.Verified, Check(onAssertion, TestSamlIdp.Assertion(onAssertion)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.Verified, Check(onResponse, TestSamlIdp.Response(onResponse)));
    }

    [Fact]
    public void A_signature_with_an_InclusiveNamespaces_prefix_list_as_Okta_and_ADFS_send_is_verified_here()
    {
        // xs is declared on the Response and used only inside attribute values (xsi:type="xs:string"): only the
        // prefix list puts its declaration into the signed bytes.
        var document = TestSamlIdp.Build(new ResponseSpec());
        TestSamlIdp.Response(document).SetAttribute("xmlns:xs", "http://www.w3.org/2001/XMLSchema");
        _idp.Sign(TestSamlIdp.Assertion(document), transforms: [new XmlDsigEnvelopedSignatureTransform(), new XmlDsigExcC14NTransform("xs")]);
        var changed = TestSamlIdp.Build(new ResponseSpec());
        TestSamlIdp.Response(changed).SetAttribute("xmlns:xs", "http://www.w3.org/2001/XMLSchema");
        _idp.Sign(TestSamlIdp.Assertion(changed), transforms: [new XmlDsigEnvelopedSignatureTransform(), new XmlDsigExcC14NTransform("xs")]);
        TestSamlIdp.Response(changed).SetAttribute("xmlns:xs", "urn:not-the-schema");

        Assert.Equal(PlainEnvelopedSignature.Outcome.Verified, Check(document, TestSamlIdp.Assertion(document)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.Refused, Check(changed, TestSamlIdp.Assertion(changed)));
    }

    [Fact]
    public void A_usual_ECDSA_signature_is_verified_here()
    {
        EcdsaSignatureDescription.Register(); // lets the test IdP's SignedXml sign with ECDSA
        using var idp = TestSamlIdp.Ecdsa(ECCurve.NamedCurves.nistP256);
        var document = TestSamlIdp.Build(new ResponseSpec());
        idp.Sign(TestSamlIdp.Assertion(document));

        Assert.Equal(PlainEnvelopedSignature.Outcome.Verified, Check(document, TestSamlIdp.Assertion(document), idp));
    }

    [Fact]
    public void A_changed_value_another_signer_and_a_bad_signature_value_are_refused_here()
    {
        var changed = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(changed));
        TestSamlIdp.NameId(changed).InnerText = "root@example.com";
        using var attacker = TestSamlIdp.Rsa();
        var otherSigner = TestSamlIdp.Build(new ResponseSpec());
        attacker.Sign(TestSamlIdp.Assertion(otherSigner));
        var badValue = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(badValue));
        TestSamlIdp.Assertion(badValue).GetElementsByTagName("SignatureValue", SamlNames.XmlDsig)[0]!.InnerText = Convert.ToBase64String(new byte[256]);

        Assert.Equal(PlainEnvelopedSignature.Outcome.Refused, Check(changed, TestSamlIdp.Assertion(changed)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.Refused, Check(otherSigner, TestSamlIdp.Assertion(otherSigner)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.Refused, Check(badValue, TestSamlIdp.Assertion(badValue)));
    }

    [Fact]
    public void Other_shapes_are_left_to_SignedXml()
    {
        var sha1 = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(sha1), SamlNames.RsaSha256, "http://www.w3.org/2000/09/xmldsig#sha1");
        var inclusive = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(inclusive), canonicalization: SignedXml.XmlDsigCanonicalizationUrl);
        var oneTransform = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(oneTransform), transforms: [new XmlDsigEnvelopedSignatureTransform()]);
        var commented = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(commented));
        var signedInfo = (XmlElement)TestSamlIdp.Assertion(commented).GetElementsByTagName("SignedInfo", SamlNames.XmlDsig)[0]!;
        signedInfo.InsertBefore(commented.CreateComment("x"), signedInfo.FirstChild);

        Assert.Equal(PlainEnvelopedSignature.Outcome.NotPlain, Check(sha1, TestSamlIdp.Assertion(sha1)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.NotPlain, Check(inclusive, TestSamlIdp.Assertion(inclusive)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.NotPlain, Check(oneTransform, TestSamlIdp.Assertion(oneTransform)));
        Assert.Equal(PlainEnvelopedSignature.Outcome.NotPlain, Check(commented, TestSamlIdp.Assertion(commented)));
    }

    [Fact]
    public void Deep_nesting_added_to_a_signed_assertion_is_refused_not_recursed_into()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document));
        var deep = document.CreateDocumentFragment();
        deep.InnerXml = string.Concat(Enumerable.Repeat("<x:n xmlns:x=\"urn:deep\">", 1_000)) + string.Concat(Enumerable.Repeat("</x:n>", 1_000));
        TestSamlIdp.Assertion(document).AppendChild(deep);

        var result = SamlResponseVerifier.Verify(TestSamlIdp.Encode(document), _idp.Metadata(), SamlExpectations.Aws, TestSamlIdp.Now);

        Assert.Null(result.Assertion);
        Assert.Equal(FederationFailureKind.InvalidIdentityToken, result.Failure?.Kind);
        Assert.Contains("nests elements too deeply", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_response_signed_with_an_InclusiveNamespaces_prefix_list_is_accepted()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), transforms: [new XmlDsigEnvelopedSignatureTransform(), new XmlDsigExcC14NTransform("xs")]);

        var result = SamlResponseVerifier.Verify(TestSamlIdp.Encode(document), _idp.Metadata(), SamlExpectations.Aws, TestSamlIdp.Now);

        Assert.Null(result.Failure?.Message);
    }
}
