using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

public sealed class SamlResponseVerifierTests : IDisposable
{
    private readonly TestSamlIdp _idp = TestSamlIdp.Rsa();

    public void Dispose() => _idp.Dispose();

    private SamlVerificationResult Verify(XmlDocument document, SamlExpectations? expected = null, DateTimeOffset? now = null) =>
        SamlResponseVerifier.Verify(TestSamlIdp.Encode(document), _idp.Metadata(), expected ?? SamlExpectations.Aws, now ?? TestSamlIdp.Now);

    private static VerifiedSamlAssertion Accepted(SamlVerificationResult result)
    {
        Assert.Null(result.Failure?.Message);
        return Assert.IsType<VerifiedSamlAssertion>(result.Assertion);
    }

    private static FederationFailure Refused(SamlVerificationResult result, FederationFailureKind kind, string because)
    {
        Assert.Null(result.Assertion);
        var failure = Assert.IsType<FederationFailure>(result.Failure);
        Assert.Contains(because, failure.Message, StringComparison.Ordinal);
        Assert.Equal(kind, failure.Kind);
        return failure;
    }

    private XmlDocument SignedOnAssertion(ResponseSpec? spec = null)
    {
        var document = TestSamlIdp.Build(spec ?? new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document));
        return document;
    }

    private XmlDocument SignedOnResponse(ResponseSpec? spec = null)
    {
        var document = TestSamlIdp.Build(spec ?? new ResponseSpec());
        _idp.Sign(TestSamlIdp.Response(document));
        return document;
    }

    // ---- accepted ----

    [Fact]
    public void A_response_signed_on_the_Response_is_accepted_with_every_value_read_from_its_assertion()
    {
        var spec = new ResponseSpec
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}", $"{TestSamlIdp.ProviderArn}, arn:aws:iam::123456789012:role/Admin"]),
                (SamlNames.RoleSessionNameAttribute, ["ada@example.com"]),
                (SamlNames.SessionDurationAttribute, ["7200"]),
                (SamlNames.SourceIdentityAttribute, ["ada"]),
                (SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups", ["analysts:readers"]),
                (SamlNames.PrincipalTagAttributePrefix + "CostCenter", ["42"]),
                (SamlNames.TransitiveTagKeysAttribute, ["CostCenter"]),
                ("groups", ["analysts", "readers"]),
            ],
        };

        var assertion = Accepted(Verify(SignedOnResponse(spec)));

        Assert.Equal(spec.AssertionId, assertion.AssertionId);
        Assert.Equal(TestSamlIdp.EntityId, assertion.Issuer);
        Assert.Equal("ada@example.com", assertion.NameId);
        Assert.Equal("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", assertion.NameIdFormat);
        Assert.Equal("persistent", assertion.SubjectType);
        Assert.Equal(SamlExpectations.AwsSignInUrl, assertion.Audience);
        Assert.Equal(SamlExpectations.AwsSignInUrl, assertion.Recipient);
        Assert.Equal(TestSamlIdp.Now.AddMinutes(5), assertion.NotOnOrAfter);
        Assert.Equal(TestSamlIdp.Now.AddMinutes(6), assertion.ReplayUntil);
        Assert.Equal(
            [new SamlRolePair(TestSamlIdp.RoleArn, TestSamlIdp.ProviderArn), new SamlRolePair("arn:aws:iam::123456789012:role/Admin", TestSamlIdp.ProviderArn)],
            assertion.Roles);
        Assert.Equal("ada@example.com", assertion.RoleSessionName);
        Assert.Equal(7200, assertion.SessionDurationSeconds);
        Assert.Equal("ada", assertion.SourceIdentity);
        Assert.Equal("analysts:readers", assertion.PrincipalTags["RedshiftDbGroups"]);
        Assert.Equal("42", assertion.PrincipalTags["CostCenter"]);
        Assert.Equal(["CostCenter"], assertion.TransitiveTagKeys);
        Assert.Equal(["analysts", "readers"], assertion.Attributes["groups"]);
    }

    [Fact]
    public void A_response_signed_on_the_Assertion_only_is_accepted()
    {
        var assertion = Accepted(Verify(SignedOnAssertion()));
        Assert.Equal("ada@example.com", assertion.NameId);
        Assert.Null(assertion.SessionDurationSeconds);
        Assert.Empty(assertion.PrincipalTags);
    }

    [Fact]
    public void A_response_signed_on_both_the_Response_and_the_Assertion_is_accepted()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document));
        _idp.Sign(TestSamlIdp.Response(document));
        Accepted(Verify(document));
    }

    [Theory]
    [InlineData(SamlNames.RsaSha256, SamlNames.Sha256)]
    [InlineData(SamlNames.RsaSha384, SamlNames.Sha384)]
    [InlineData(SamlNames.RsaSha512, SamlNames.Sha512)]
    public void RSA_with_SHA_256_384_and_512_is_accepted(string signatureMethod, string digestMethod)
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), signatureMethod, digestMethod);
        Accepted(Verify(document));
    }

    [Theory]
    [InlineData("P256", SamlNames.EcdsaSha256)]
    [InlineData("P384", SamlNames.EcdsaSha384)]
    [InlineData("P521", SamlNames.EcdsaSha512)]
    public void ECDSA_signatures_verify_against_an_EC_certificate(string curve, string signatureMethod)
    {
        using var ec = TestSamlIdp.Ecdsa(curve switch
        {
            "P384" => ECCurve.NamedCurves.nistP384,
            "P521" => ECCurve.NamedCurves.nistP521,
            _ => ECCurve.NamedCurves.nistP256,
        });
        var document = TestSamlIdp.Build(new ResponseSpec());
        ec.Sign(TestSamlIdp.Response(document), signatureMethod);

        Accepted(SamlResponseVerifier.Verify(TestSamlIdp.Encode(document), ec.Metadata(), SamlExpectations.Aws, TestSamlIdp.Now));
        // The same response is refused by a provider whose metadata names a different key.
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not verify with any signing certificate");
    }

    [Fact]
    public void After_a_metadata_update_naming_a_new_certificate_responses_signed_with_it_verify_and_the_old_key_is_refused()
    {
        using var next = TestSamlIdp.Rsa();
        var rotated = SamlMetadata.Parse(TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, next.Certificate)).Metadata!;
        var both = SamlMetadata.Parse(TestSamlIdp.MetadataXml(TestSamlIdp.EntityId, _idp.Certificate, next.Certificate)).Metadata!;
        var document = TestSamlIdp.Build(new ResponseSpec());
        next.Sign(TestSamlIdp.Response(document));
        var encoded = TestSamlIdp.Encode(document);

        Accepted(SamlResponseVerifier.Verify(encoded, rotated, SamlExpectations.Aws, TestSamlIdp.Now));
        Accepted(SamlResponseVerifier.Verify(encoded, both, SamlExpectations.Aws, TestSamlIdp.Now));
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not verify");
    }

    [Fact]
    public void A_configured_broker_audience_is_accepted_besides_AWS_s_and_another_is_refused()
    {
        const string Mine = "https://iamdb.example/saml";
        var spec = new ResponseSpec { Audience = Mine, Recipient = Mine, Destination = Mine };

        var assertion = Accepted(Verify(SignedOnResponse(spec), SamlExpectations.For(Mine)));
        Assert.Equal(Mine, assertion.Audience);
        Assert.Equal(Mine, assertion.Recipient);
        Refused(Verify(SignedOnResponse(spec)), FederationFailureKind.RejectedClaim, "Destination");
    }

    [Fact]
    public void Clock_skew_accepts_a_response_just_expired_or_just_not_yet_valid_and_no_more()
    {
        var document = SignedOnAssertion();
        var skew = SamlExpectations.DefaultClockSkew;

        Accepted(Verify(document, now: TestSamlIdp.Now.AddMinutes(5) + skew - TimeSpan.FromSeconds(1)));
        Refused(Verify(document, now: TestSamlIdp.Now.AddMinutes(5) + skew), FederationFailureKind.ExpiredToken, "has expired");
        Accepted(Verify(document, now: TestSamlIdp.Now.AddSeconds(-5) - skew));
        Refused(Verify(document, now: TestSamlIdp.Now.AddSeconds(-6) - skew), FederationFailureKind.InvalidIdentityToken, "not valid yet");
    }

    // ---- XML parsing ----

    [Fact]
    public void A_DTD_with_an_internal_entity_is_refused()
    {
        var xml = SignedOnResponse().OuterXml;
        var hostile = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>" + xml.Replace("ada@example.com</saml:NameID>", "&b;</saml:NameID>", StringComparison.Ordinal);
        Refused(VerifyRaw(hostile), FederationFailureKind.InvalidIdentityToken, "contains a DTD");
    }

    [Fact]
    public void An_external_entity_is_refused_and_nothing_is_read()
    {
        var xml = SignedOnResponse().OuterXml;
        var hostile = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>" + xml.Replace("ada@example.com</saml:NameID>", "&x;</saml:NameID>", StringComparison.Ordinal);
        Refused(VerifyRaw(hostile), FederationFailureKind.InvalidIdentityToken, "contains a DTD");
    }

    [Fact]
    public void Text_that_is_not_base64_or_not_XML_or_not_a_Response_or_too_long_is_refused()
    {
        var metadata = _idp.Metadata();
        Refused(SamlResponseVerifier.Verify("not base64!", metadata, SamlExpectations.Aws, TestSamlIdp.Now), FederationFailureKind.InvalidIdentityToken, "not base64");
        Refused(VerifyRaw("<samlp:Response"), FederationFailureKind.InvalidIdentityToken, "not well-formed");
        Refused(VerifyRaw("<x:Assertion xmlns:x=\"urn:oasis:names:tc:SAML:2.0:assertion\"/>"), FederationFailureKind.InvalidIdentityToken, "not a SAML 2.0 protocol Response");
        Refused(
            SamlResponseVerifier.Verify(new string('A', SamlResponseVerifier.MaxResponseCharacters + 4), metadata, SamlExpectations.Aws, TestSamlIdp.Now),
            FederationFailureKind.InvalidIdentityToken,
            "longer than");
        Refused(SamlResponseVerifier.Verify(" ", metadata, SamlExpectations.Aws, TestSamlIdp.Now), FederationFailureKind.InvalidIdentityToken, "empty");
    }

    private SamlVerificationResult VerifyRaw(string xml) =>
        SamlResponseVerifier.Verify(Convert.ToBase64String(Encoding.UTF8.GetBytes(xml)), _idp.Metadata(), SamlExpectations.Aws, TestSamlIdp.Now);

    // ---- one assertion, signature wrapping ----

    [Fact]
    public void Two_assertions_are_refused_even_when_the_first_one_is_signed()
    {
        var document = SignedOnAssertion();
        var evil = (XmlElement)TestSamlIdp.Assertion(TestSamlIdp.Build(new ResponseSpec { NameId = "root@example.com" })).CloneNode(deep: true);
        TestSamlIdp.Response(document).AppendChild(document.ImportNode(evil, deep: true));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "exactly one Assertion; it holds 2");
    }

    [Fact]
    public void A_signed_assertion_moved_into_Extensions_with_an_unsigned_one_in_its_place_is_refused()
    {
        var document = SignedOnAssertion();
        var response = TestSamlIdp.Response(document);
        var signedAssertion = TestSamlIdp.Assertion(document);
        var evil = TestSamlIdp.Assertion(TestSamlIdp.Build(new ResponseSpec { NameId = "root@example.com" }));
        var extensions = document.CreateElement("samlp", "Extensions", SamlNames.Protocol);
        response.ReplaceChild(document.ImportNode(evil, deep: true), signedAssertion);
        extensions.AppendChild(signedAssertion);
        response.InsertAfter(extensions, response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "exactly one Assertion");
    }

    [Fact]
    public void The_only_assertion_nested_outside_the_Response_s_children_is_refused()
    {
        var document = SignedOnAssertion();
        var response = TestSamlIdp.Response(document);
        var assertion = TestSamlIdp.Assertion(document);
        var extensions = document.CreateElement("samlp", "Extensions", SamlNames.Protocol);
        response.ReplaceChild(extensions, assertion);
        extensions.AppendChild(assertion);

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "not a direct child of the Response");
    }

    [Fact]
    public void A_signature_in_the_assertion_that_references_another_element_does_not_sign_the_assertion()
    {
        // The attacker signs something else (here an Extensions element the IdP signed) and parks that signature in a
        // forged assertion. SignedXml alone would call it valid: the reference digest matches its own target.
        var document = TestSamlIdp.Build(new ResponseSpec { NameId = "root@example.com" });
        var response = TestSamlIdp.Response(document);
        var extensions = document.CreateElement("samlp", "Extensions", SamlNames.Protocol);
        extensions.SetAttribute("ID", "_ext1");
        extensions.AppendChild(document.CreateElement("saml", "Issuer", SamlNames.Assertion))!.InnerText = TestSamlIdp.EntityId;
        response.InsertAfter(extensions, response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));
        _idp.Sign(extensions, transforms: [new XmlDsigExcC14NTransform()]);
        var signature = extensions.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Signature");
        var assertion = TestSamlIdp.Assertion(document);
        assertion.InsertAfter(signature, assertion.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not point at the element that carries it");
    }

    [Fact]
    public void A_Response_signature_moved_into_the_assertion_is_not_taken_as_the_assertion_s()
    {
        var document = SignedOnResponse();
        var response = TestSamlIdp.Response(document);
        var signature = response.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Signature");
        var assertion = TestSamlIdp.Assertion(document);
        assertion.InsertAfter(signature, assertion.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not point at the element that carries it");
    }

    [Fact]
    public void Two_elements_with_the_same_ID_are_refused()
    {
        var document = SignedOnAssertion();
        var response = TestSamlIdp.Response(document);
        var twin = document.CreateElement("samlp", "Extensions", SamlNames.Protocol);
        twin.SetAttribute("ID", TestSamlIdp.Assertion(document).GetAttribute("ID"));
        response.InsertAfter(twin, response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "two elements carry the ID");
    }

    [Fact]
    public void An_Id_attribute_spelled_differently_still_counts_as_a_duplicate()
    {
        var document = SignedOnAssertion();
        var response = TestSamlIdp.Response(document);
        var twin = document.CreateElement("samlp", "Extensions", SamlNames.Protocol);
        twin.SetAttribute("Id", TestSamlIdp.Assertion(document).GetAttribute("ID"));
        response.InsertAfter(twin, response.ChildNodes.OfType<XmlElement>().First(e => e.LocalName == "Issuer"));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "two elements carry the ID");
    }

    // ---- signature algorithms and keys ----

    [Fact]
    public void An_unsigned_response_is_refused()
    {
        Refused(Verify(TestSamlIdp.Build(new ResponseSpec())), FederationFailureKind.InvalidIdentityToken, "not signed");
    }

    [Fact]
    public void A_value_changed_after_signing_is_refused()
    {
        var document = SignedOnAssertion();
        TestSamlIdp.NameId(document).InnerText = "root@example.com";
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not verify");
    }

    [Fact]
    public void RSA_SHA1_signatures_are_refused()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1");
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "signature method http://www.w3.org/2000/09/xmldsig#rsa-sha1 is not");
    }

    [Fact]
    public void A_SHA1_digest_under_an_RSA_SHA256_signature_is_refused()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), SamlNames.RsaSha256, "http://www.w3.org/2000/09/xmldsig#sha1");
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "digest method http://www.w3.org/2000/09/xmldsig#sha1 is not");
    }

    [Fact]
    public void Inclusive_canonicalization_of_SignedInfo_is_refused()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), canonicalization: SignedXml.XmlDsigCanonicalizationUrl);
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "is not exclusive c14n");
    }

    [Fact]
    public void Canonicalization_with_comments_is_refused()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), canonicalization: SignedXml.XmlDsigExcC14NWithCommentsTransformUrl);
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "is not exclusive c14n");
    }

    [Fact]
    public void A_transform_other_than_enveloped_signature_and_exclusive_c14n_is_refused()
    {
        var document = TestSamlIdp.Build(new ResponseSpec());
        _idp.Sign(TestSamlIdp.Assertion(document), transforms: [new XmlDsigEnvelopedSignatureTransform(), new XmlDsigC14NTransform()]);
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "transform http://www.w3.org/TR/2001/REC-xml-c14n-20010315 is not");
    }

    [Fact]
    public void A_signature_by_a_key_the_attacker_ships_in_KeyInfo_is_refused()
    {
        using var attacker = TestSamlIdp.Rsa();
        var document = TestSamlIdp.Build(new ResponseSpec { NameId = "root@example.com" });
        attacker.Sign(TestSamlIdp.Response(document));

        // The signature is sound and its KeyInfo names the attacker's certificate: only the metadata's keys count.
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "does not verify with any signing certificate of the SAML provider's metadata");
    }

    [Fact]
    public void One_bad_signature_fails_the_response_even_when_the_other_one_verifies()
    {
        using var attacker = TestSamlIdp.Rsa();
        var document = TestSamlIdp.Build(new ResponseSpec());
        attacker.Sign(TestSamlIdp.Assertion(document));
        _idp.Sign(TestSamlIdp.Response(document));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "The SAML Assertion signature is refused");
    }

    // ---- NameID comments ----

    [Fact]
    public void A_comment_inserted_into_a_signed_NameID_is_refused_rather_than_truncating_it()
    {
        var document = SignedOnAssertion(new ResponseSpec { NameId = "admin@example.com.evil.example" });
        var nameId = TestSamlIdp.NameId(document);
        var text = (XmlText)nameId.FirstChild!;
        var tail = text.SplitText("admin@example.com".Length);
        nameId.InsertBefore(document.CreateComment(""), tail);

        // Exclusive c14n drops comments, so the signature still verifies: the refusal comes from the NameID check.
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "The SAML NameID contains a comment");
    }

    [Fact]
    public void A_comment_inserted_into_a_signed_attribute_value_is_refused()
    {
        var document = SignedOnAssertion();
        var value = (XmlElement)document.GetElementsByTagName("AttributeValue", SamlNames.Assertion)[0]!;
        var text = (XmlText)value.FirstChild!;
        value.InsertBefore(document.CreateComment("x"), text.SplitText(10));

        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "contains a comment");
    }

    // ---- status, issuer, time, audience, recipient ----

    [Fact]
    public void A_status_other_than_Success_is_refused()
    {
        var document = SignedOnResponse(new ResponseSpec { Status = "urn:oasis:names:tc:SAML:2.0:status:Requester" });
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "status is not Success");
    }

    [Fact]
    public void An_issuer_other_than_the_metadata_entity_id_is_rejected()
    {
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Issuer = "https://other.example/saml" })),
            FederationFailureKind.RejectedClaim,
            "Issuer 'https://other.example/saml' is not the SAML provider's entity id");
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { ResponseIssuer = "https://other.example/saml" })),
            FederationFailureKind.RejectedClaim,
            "response's Issuer");
    }

    [Fact]
    public void A_refusal_quotes_at_most_128_characters_of_a_value_from_the_response()
    {
        var issuer = "https://other.example/" + new string('x', 5000);
        var failure = Refused(Verify(SignedOnAssertion(new ResponseSpec { Issuer = issuer })), FederationFailureKind.RejectedClaim, issuer[..128] + "…");
        Assert.True(failure.Message.Length < 400, failure.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_expired_assertion_is_ExpiredToken()
    {
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { NotOnOrAfter = TestSamlIdp.Now.AddMinutes(-2) })),
            FederationFailureKind.ExpiredToken,
            "Conditions NotOnOrAfter");
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { ConfirmationNotOnOrAfter = TestSamlIdp.Now.AddMinutes(-2) })),
            FederationFailureKind.ExpiredToken,
            "SubjectConfirmationData NotOnOrAfter");
    }

    [Fact]
    public void The_replay_window_ends_at_the_earlier_expiry_plus_the_skew()
    {
        var assertion = Accepted(Verify(SignedOnAssertion(new ResponseSpec { ConfirmationNotOnOrAfter = TestSamlIdp.Now.AddMinutes(2) })));
        Assert.Equal(TestSamlIdp.Now.AddMinutes(2), assertion.NotOnOrAfter);
        Assert.Equal(TestSamlIdp.Now.AddMinutes(3), assertion.ReplayUntil);
    }

    [Fact]
    public void A_wrong_or_missing_audience_is_rejected()
    {
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Audience = "https://other-sp.example/saml" })),
            FederationFailureKind.RejectedClaim,
            "audience is not one this broker accepts");
        Refused(Verify(SignedOnAssertion(new ResponseSpec { Audience = null })), FederationFailureKind.RejectedClaim, "no AudienceRestriction");
    }

    [Fact]
    public void A_wrong_recipient_or_destination_is_rejected()
    {
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Recipient = "https://other-sp.example/acs" })),
            FederationFailureKind.RejectedClaim,
            "Recipient 'https://other-sp.example/acs' is not one this broker accepts");
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Destination = "https://other-sp.example/acs" })),
            FederationFailureKind.RejectedClaim,
            "Destination");
    }

    [Fact]
    public void An_EncryptedAssertion_is_refused_with_a_message_saying_what_to_change()
    {
        var document = SignedOnResponse();
        var response = TestSamlIdp.Response(document);
        response.ReplaceChild(document.CreateElement("saml", "EncryptedAssertion", SamlNames.Assertion), TestSamlIdp.Assertion(document));
        Refused(Verify(document), FederationFailureKind.InvalidIdentityToken, "without encrypting it");
    }

    // ---- AWS attributes ----

    [Fact]
    public void A_missing_or_malformed_Role_attribute_is_refused()
    {
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Attributes = [(SamlNames.RoleSessionNameAttribute, ["ada"])] })),
            FederationFailureKind.InvalidIdentityToken,
            "no https://aws.amazon.com/SAML/Attributes/Role attribute");
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Attributes = [(SamlNames.RoleAttribute, [TestSamlIdp.RoleArn]), (SamlNames.RoleSessionNameAttribute, ["ada"])] })),
            FederationFailureKind.InvalidIdentityToken,
            "is not 'arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME'");
        Refused(
            Verify(SignedOnAssertion(new ResponseSpec { Attributes = [(SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.RoleArn}"]), (SamlNames.RoleSessionNameAttribute, ["ada"])] })),
            FederationFailureKind.InvalidIdentityToken,
            "is not 'arn:aws:iam::ACCOUNT:role/NAME");
    }

    [Theory]
    [InlineData(null, "no https://aws.amazon.com/SAML/Attributes/RoleSessionName attribute")]
    [InlineData("a", "RoleSessionName attribute must be 2 to 64")]
    [InlineData("has space", "RoleSessionName attribute must be 2 to 64")]
    public void A_missing_or_invalid_RoleSessionName_is_refused(string? name, string because)
    {
        IReadOnlyList<(string, string[])> attributes = name is null
            ? [(SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}"])]
            : [(SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}"]), (SamlNames.RoleSessionNameAttribute, [name])];
        Refused(Verify(SignedOnAssertion(new ResponseSpec { Attributes = attributes })), FederationFailureKind.InvalidIdentityToken, because);
    }

    [Theory]
    [InlineData("899")]
    [InlineData("43201")]
    [InlineData("1h")]
    public void A_SessionDuration_outside_900_to_43200_seconds_is_refused(string value)
    {
        var spec = new ResponseSpec
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada"]),
                (SamlNames.SessionDurationAttribute, [value]),
            ],
        };
        Refused(Verify(SignedOnAssertion(spec)), FederationFailureKind.InvalidIdentityToken, "SessionDuration attribute must be");
    }

    [Fact]
    public void A_PrincipalTag_with_two_values_is_refused()
    {
        var spec = new ResponseSpec
        {
            Attributes =
            [
                (SamlNames.RoleAttribute, [$"{TestSamlIdp.RoleArn},{TestSamlIdp.ProviderArn}"]),
                (SamlNames.RoleSessionNameAttribute, ["ada"]),
                (SamlNames.PrincipalTagAttributePrefix + "RedshiftDbGroups", ["a", "b"]),
            ],
        };
        Refused(Verify(SignedOnAssertion(spec)), FederationFailureKind.InvalidIdentityToken, "PrincipalTag:RedshiftDbGroups must carry exactly one value");
    }

    [Fact]
    public void Refusal_messages_never_quote_the_response()
    {
        var document = SignedOnAssertion();
        TestSamlIdp.NameId(document).InnerText = "root@example.com";
        var encoded = TestSamlIdp.Encode(document);
        var failure = SamlResponseVerifier.Verify(encoded, _idp.Metadata(), SamlExpectations.Aws, TestSamlIdp.Now).Failure!;
        Assert.DoesNotContain(encoded[..40], failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("root@example.com", failure.Message, StringComparison.Ordinal);
    }
}
