using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text.RegularExpressions;
using System.Xml;

namespace IamDb.Federation.Saml;

/// <summary>
/// Verifies a base64 SAML 2.0 <c>Response</c> (what <c>AssumeRoleWithSAML</c> receives as <c>SAMLAssertion</c>)
/// against a provider's metadata, with the defences SAML libraries learned the hard way:
/// <list type="bullet">
/// <item>no DTD, no entities, nothing resolved, a size cap;</item>
/// <item>exactly one <c>Assertion</c> in the whole document, a direct child of the <c>Response</c>; no <c>EncryptedAssertion</c>;</item>
/// <item>no two elements share an ID; a signature is accepted only as a direct child of the <c>Response</c> or of
/// that assertion, with one reference whose URI is its own parent's ID, so the signed element is the element read
/// (no signature wrapping);</item>
/// <item>exclusive c14n and enveloped-signature transforms only, RSA or ECDSA with SHA-256/384/512 only;</item>
/// <item>only the metadata's certificates verify (a <c>KeyInfo</c> in the response is ignored), and every signature
/// present must verify;</item>
/// <item>values that contain comments, processing instructions or elements (<c>NameID</c>, <c>Issuer</c>,
/// attribute values) are refused, since exclusive c14n drops comments from the signed bytes and naive readers
/// truncate at them;</item>
/// <item>status Success, issuer equal to the metadata's entity id, audience, recipient, and the validity window
/// with <see cref="SamlExpectations.ClockSkew"/>.</item>
/// </list>
/// Pure: no I/O, and the caller passes <c>now</c>. Never throws on hostile input.
/// </summary>
internal static partial class SamlResponseVerifier
{
    /// <summary>AWS's upper bound for <c>SAMLAssertion</c> (base64 characters).</summary>
    public const int MaxResponseCharacters = 100_000;

    private static readonly HashSet<string> SignatureMethods =
    [
        SamlNames.RsaSha256, SamlNames.RsaSha384, SamlNames.RsaSha512,
        SamlNames.EcdsaSha256, SamlNames.EcdsaSha384, SamlNames.EcdsaSha512,
    ];

    private const string NoCertificateVerifies = "it does not verify with any signing certificate of the SAML provider's metadata";

    private static readonly HashSet<string> DigestMethods = [SamlNames.Sha256, SamlNames.Sha384, SamlNames.Sha512];

    static SamlResponseVerifier() => EcdsaSignatureDescription.Register();

    /// <summary>
    /// Verifies <paramref name="base64Response"/> against <paramref name="provider"/> and <paramref name="expected"/>
    /// at instant <paramref name="now"/>. The result holds either the verified assertion or the refusal: signature,
    /// format and structure problems are <c>InvalidIdentityToken</c>, a past <c>NotOnOrAfter</c> is
    /// <c>ExpiredToken</c>, a wrong issuer, audience or recipient is <c>IDPRejectedClaim</c>. Replay is the caller's
    /// to check, with <see cref="VerifiedSamlAssertion.AssertionId"/> and <see cref="VerifiedSamlAssertion.ReplayUntil"/>.
    /// </summary>
    public static SamlVerificationResult Verify(string base64Response, SamlMetadata provider, SamlExpectations expected, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(expected);
        if (string.IsNullOrWhiteSpace(base64Response))
        {
            return SamlVerificationResult.Invalid("The SAML assertion is empty.");
        }

        if (base64Response.Length > MaxResponseCharacters)
        {
            return SamlVerificationResult.Invalid($"The SAML assertion is longer than {MaxResponseCharacters} characters.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64Response);
        }
        catch (FormatException)
        {
            return SamlVerificationResult.Invalid("The SAML assertion is not base64: send the IdP's SAMLResponse form value as it is.");
        }

        var document = SecureXml.TryLoad(bytes, MaxResponseCharacters, out var loadError);
        if (document is null)
        {
            return SamlVerificationResult.Invalid($"The SAML response is refused: {loadError}.");
        }

        return new Verification(document, provider, expected, now).Run();
    }

    private sealed class Verification(XmlDocument document, SamlMetadata provider, SamlExpectations expected, DateTimeOffset now)
    {
        private readonly XmlElement _root = document.DocumentElement!;

        public SamlVerificationResult Run()
        {
            if (!Is(_root, SamlNames.Protocol, "Response"))
            {
                return SamlVerificationResult.Invalid("The SAML document is not a SAML 2.0 protocol Response (samlp:Response).");
            }

            if (FindDuplicateId() is { } duplicate)
            {
                return SamlVerificationResult.Invalid(
                    $"The SAML response is refused: two elements carry the ID '{Quote(duplicate)}' (a signature-wrapping pattern).");
            }

            if (document.GetElementsByTagName("EncryptedAssertion", SamlNames.Assertion).Count > 0)
            {
                return SamlVerificationResult.Invalid(
                    "The SAML response carries an EncryptedAssertion, which this broker does not decrypt: configure the identity provider's app to sign the response or assertion without encrypting it.");
            }

            var assertions = document.GetElementsByTagName("Assertion", SamlNames.Assertion).OfType<XmlElement>().ToList();
            if (assertions.Count != 1)
            {
                return SamlVerificationResult.Invalid(
                    $"The SAML response must hold exactly one Assertion; it holds {assertions.Count}.");
            }

            var assertion = assertions[0];
            if (assertion.ParentNode != _root)
            {
                return SamlVerificationResult.Invalid(
                    "The SAML response's Assertion is not a direct child of the Response (a signature-wrapping pattern).");
            }

            if (CheckStatus() is { } statusFailure)
            {
                return statusFailure;
            }

            if (CheckSignatures(assertion) is { } signatureFailure)
            {
                return signatureFailure;
            }

            return ReadAssertion(assertion);
        }

        private string? FindDuplicateId()
        {
            // SignedXml resolves "#x" through ID, Id and id attributes alike, so all three share one namespace here.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var element in document.GetElementsByTagName("*").OfType<XmlElement>())
            {
                foreach (XmlAttribute attribute in element.Attributes)
                {
                    if (attribute.NamespaceURI.Length == 0 && attribute.LocalName is "ID" or "Id" or "id" && !seen.Add(attribute.Value))
                    {
                        return attribute.Value;
                    }
                }
            }

            return null;
        }

        private SamlVerificationResult? CheckStatus()
        {
            var status = Children(_root, SamlNames.Protocol, "Status").FirstOrDefault();
            var code = status is null ? null : Children(status, SamlNames.Protocol, "StatusCode").FirstOrDefault();
            var value = code?.GetAttribute("Value");
            return value == SamlNames.StatusSuccess
                ? null
                : SamlVerificationResult.Invalid(
                    $"The SAML response's status is not Success ({(string.IsNullOrEmpty(value) ? "no StatusCode" : Quote(value))}): the identity provider did not authenticate the user.");
        }

        private SamlVerificationResult? CheckSignatures(XmlElement assertion)
        {
            var responseSignatures = Children(_root, SamlNames.XmlDsig, "Signature").ToList();
            var assertionSignatures = Children(assertion, SamlNames.XmlDsig, "Signature").ToList();
            if (responseSignatures.Count > 1 || assertionSignatures.Count > 1)
            {
                return SamlVerificationResult.Invalid("The SAML response or its assertion carries more than one Signature.");
            }

            if (responseSignatures.Count == 0 && assertionSignatures.Count == 0)
            {
                return SamlVerificationResult.Invalid(
                    "The SAML response is not signed: neither the Response nor the Assertion carries a Signature.");
            }

            foreach (var (signature, signedElement, what) in responseSignatures.Select(s => (s, _root, "Response"))
                         .Concat(assertionSignatures.Select(s => (s, assertion, "Assertion"))))
            {
                if (CheckSignature(signature, signedElement) is { } problem)
                {
                    return SamlVerificationResult.Invalid($"The SAML {what} signature is refused: {problem}.");
                }
            }

            return null;
        }

        private string? CheckSignature(XmlElement signatureElement, XmlElement signedElement)
        {
            var id = signedElement.GetAttribute("ID");
            if (id.Length == 0)
            {
                return "the signed element has no ID";
            }

            switch (PlainEnvelopedSignature.TryVerify(signatureElement, signedElement, id, provider.SigningCertificates, SignatureMethods, DigestMethods))
            {
                case PlainEnvelopedSignature.Outcome.Verified:
                    return null;
                case PlainEnvelopedSignature.Outcome.Refused:
                    return NoCertificateVerifies;
            }

            // Any other shape: SignedXml, with the checks below naming what is not accepted.
            TargetedSignedXml signed;
            try
            {
                signed = new TargetedSignedXml(document, signedElement, id);
            }
            catch (CryptographicException)
            {
                // SignedXml refuses documents nested deeper than its bound (a stack-exhaustion defence) by throwing.
                return "the document nests elements too deeply to be verified";
            }

            try
            {
                signed.LoadXml(signatureElement);
            }
            catch (CryptographicException)
            {
                return "the Signature element is malformed";
            }

            if (signed.SignedInfo is not { } info)
            {
                return "the Signature has no SignedInfo";
            }

            if (info.CanonicalizationMethod != SamlNames.ExclusiveC14n)
            {
                return $"its canonicalization method {info.CanonicalizationMethod} is not exclusive c14n ({SamlNames.ExclusiveC14n})";
            }

            if (info.SignatureMethod is not { } method || !SignatureMethods.Contains(method))
            {
                return $"its signature method {info.SignatureMethod} is not RSA or ECDSA with SHA-256, SHA-384 or SHA-512";
            }

            if (info.References.Count != 1 || info.References[0] is not Reference reference)
            {
                return "it must have exactly one Reference";
            }

            if (reference.Uri != "#" + id)
            {
                return "its Reference does not point at the element that carries it (a signature-wrapping pattern)";
            }

            if (!DigestMethods.Contains(reference.DigestMethod))
            {
                return $"its digest method {reference.DigestMethod} is not SHA-256, SHA-384 or SHA-512";
            }

            foreach (Transform transform in reference.TransformChain)
            {
                if (transform.Algorithm is not (SamlNames.EnvelopedSignature or SamlNames.ExclusiveC14n))
                {
                    return $"its transform {transform.Algorithm} is not enveloped-signature or exclusive c14n";
                }
            }

            var ecdsa = method.Contains("ecdsa", StringComparison.Ordinal);
            foreach (var certificate in provider.SigningCertificates)
            {
                if (CertificateKeys.TryUse(certificate, ecdsa, signed, Check))
                {
                    return null;
                }
            }

            return NoCertificateVerifies;
        }

        private static bool Check(AsymmetricAlgorithm key, SignedXml signed)
        {
            try
            {
                return signed.CheckSignature(key);
            }
            catch (CryptographicException)
            {
                // A malformed signature value for this key: the caller tries the next certificate, refuses if none verifies.
                return false;
            }
        }

        private SamlVerificationResult ReadAssertion(XmlElement assertion)
        {
            var assertionId = assertion.GetAttribute("ID");
            if (assertionId.Length == 0)
            {
                return SamlVerificationResult.Invalid("The SAML Assertion has no ID.");
            }

            if (Single(assertion, SamlNames.Assertion, "Issuer", "Assertion", out var issuerElement) is { } issuerShape)
            {
                return issuerShape;
            }

            if (Text(issuerElement!, "Issuer", out var issuer) is { } issuerText)
            {
                return issuerText;
            }

            if (issuer != provider.EntityId)
            {
                return SamlVerificationResult.Rejected(
                    $"The SAML assertion's Issuer '{Quote(issuer)}' is not the SAML provider's entity id '{provider.EntityId}'.");
            }

            foreach (var responseIssuer in Children(_root, SamlNames.Assertion, "Issuer"))
            {
                if (Text(responseIssuer, "Response Issuer", out var text) is { } bad)
                {
                    return bad;
                }

                if (text != provider.EntityId)
                {
                    return SamlVerificationResult.Rejected(
                        $"The SAML response's Issuer '{Quote(text)}' is not the SAML provider's entity id '{provider.EntityId}'.");
                }
            }

            var destination = _root.GetAttribute("Destination");
            if (destination.Length > 0 && !expected.Recipients.Contains(destination, StringComparer.Ordinal))
            {
                return SamlVerificationResult.Rejected(
                    $"The SAML response's Destination '{Quote(destination)}' is not one this broker accepts ({string.Join(", ", expected.Recipients)}).");
            }

            if (ReadSubject(assertion, out var subject) is { } subjectFailure)
            {
                return subjectFailure;
            }

            if (ReadConditions(assertion, out var audience, out var conditionsNotOnOrAfter) is { } conditionsFailure)
            {
                return conditionsFailure;
            }

            DateTimeOffset? sessionNotOnOrAfter = null;
            foreach (var authn in Children(assertion, SamlNames.Assertion, "AuthnStatement"))
            {
                var text = authn.GetAttribute("SessionNotOnOrAfter");
                if (text.Length == 0)
                {
                    continue;
                }

                if (!SamlTime.TryParse(text, out var value))
                {
                    return SamlVerificationResult.Invalid("The SAML AuthnStatement's SessionNotOnOrAfter is not an xs:dateTime.");
                }

                if (now >= value + expected.ClockSkew)
                {
                    return SamlVerificationResult.Expired("The SAML assertion's session has ended (AuthnStatement SessionNotOnOrAfter is past).");
                }

                sessionNotOnOrAfter = sessionNotOnOrAfter is { } earlier && earlier < value ? earlier : value;
            }

            if (ReadAttributes(assertion, out var attributes) is { } attributesFailure)
            {
                return attributesFailure;
            }

            var notOnOrAfter = conditionsNotOnOrAfter is { } c && c < subject.NotOnOrAfter ? c : subject.NotOnOrAfter;
            return ReadAwsAttributes(attributes, new VerifiedSamlAssertion
            {
                AssertionId = assertionId,
                Issuer = issuer,
                NameId = subject.NameId,
                NameIdFormat = subject.Format,
                NameIdNameQualifier = subject.NameQualifier,
                NameIdSpNameQualifier = subject.SpNameQualifier,
                Audience = audience!,
                Recipient = subject.Recipient,
                NotOnOrAfter = notOnOrAfter,
                ReplayUntil = notOnOrAfter + expected.ClockSkew,
                SessionNotOnOrAfter = sessionNotOnOrAfter,
                Roles = [],
                RoleSessionName = "",
                PrincipalTags = new Dictionary<string, string>(),
                TransitiveTagKeys = [],
                Attributes = attributes,
            });
        }

        private readonly record struct Subject(
            string NameId, string Format, string? NameQualifier, string? SpNameQualifier, string Recipient, DateTimeOffset NotOnOrAfter);

        private SamlVerificationResult? ReadSubject(XmlElement assertion, out Subject subject)
        {
            subject = default;
            if (Single(assertion, SamlNames.Assertion, "Subject", "Assertion", out var subjectElement) is { } shape)
            {
                return shape;
            }

            if (Children(subjectElement!, SamlNames.Assertion, "EncryptedID").Any())
            {
                return SamlVerificationResult.Invalid("The SAML Subject carries an EncryptedID, which this broker does not decrypt.");
            }

            if (Single(subjectElement!, SamlNames.Assertion, "NameID", "Subject", out var nameIdElement) is { } nameIdShape)
            {
                return nameIdShape;
            }

            if (Text(nameIdElement!, "NameID", out var nameId) is { } nameIdText)
            {
                return nameIdText;
            }

            if (nameId.Length == 0)
            {
                return SamlVerificationResult.Invalid("The SAML Subject's NameID is empty.");
            }

            // A bearer confirmation must name an accepted recipient and be unexpired; report the most telling miss.
            SamlVerificationResult? miss = null;
            foreach (var confirmation in Children(subjectElement!, SamlNames.Assertion, "SubjectConfirmation"))
            {
                if (confirmation.GetAttribute("Method") != SamlNames.BearerConfirmation)
                {
                    continue;
                }

                var data = Children(confirmation, SamlNames.Assertion, "SubjectConfirmationData").FirstOrDefault();
                if (data is null)
                {
                    miss ??= SamlVerificationResult.Invalid("The SAML bearer SubjectConfirmation has no SubjectConfirmationData.");
                    continue;
                }

                var recipient = data.GetAttribute("Recipient");
                if (!expected.Recipients.Contains(recipient, StringComparer.Ordinal))
                {
                    miss = SamlVerificationResult.Rejected(
                        $"The SAML assertion's Recipient '{Quote(recipient)}' is not one this broker accepts ({string.Join(", ", expected.Recipients)}).");
                    continue;
                }

                if (Window(data, "SubjectConfirmationData", requireNotOnOrAfter: true, out var notOnOrAfter) is { } window)
                {
                    miss = window;
                    continue;
                }

                var format = nameIdElement!.GetAttribute("Format");
                subject = new Subject(
                    nameId,
                    format.Length == 0 ? SamlNames.NameIdFormatUnspecified : format,
                    NullIfEmpty(nameIdElement.GetAttribute("NameQualifier")),
                    NullIfEmpty(nameIdElement.GetAttribute("SPNameQualifier")),
                    recipient,
                    notOnOrAfter!.Value);
                return null;
            }

            return miss ?? SamlVerificationResult.Invalid(
                "The SAML Subject has no bearer SubjectConfirmation (Method urn:oasis:names:tc:SAML:2.0:cm:bearer).");
        }

        private SamlVerificationResult? ReadConditions(XmlElement assertion, out string? audience, out DateTimeOffset? notOnOrAfter)
        {
            audience = null;
            notOnOrAfter = null;
            if (Single(assertion, SamlNames.Assertion, "Conditions", "Assertion", out var conditions) is { } shape)
            {
                return shape;
            }

            if (Window(conditions!, "Conditions", requireNotOnOrAfter: false, out notOnOrAfter) is { } window)
            {
                return window;
            }

            var restrictions = Children(conditions!, SamlNames.Assertion, "AudienceRestriction").ToList();
            if (restrictions.Count == 0)
            {
                return SamlVerificationResult.Rejected(
                    $"The SAML assertion has no AudienceRestriction; it must name {string.Join(" or ", expected.Audiences)}.");
            }

            // Every restriction must be met (SAML core 2.5.1.4); the first accepted audience is the one reported.
            foreach (var restriction in restrictions)
            {
                string? matched = null;
                foreach (var element in Children(restriction, SamlNames.Assertion, "Audience"))
                {
                    if (Text(element, "Audience", out var value) is { } bad)
                    {
                        return bad;
                    }

                    if (matched is null && expected.Audiences.Contains(value, StringComparer.Ordinal))
                    {
                        matched = value;
                    }
                }

                if (matched is null)
                {
                    return SamlVerificationResult.Rejected(
                        $"The SAML assertion's audience is not one this broker accepts: its AudienceRestriction must name {string.Join(" or ", expected.Audiences)}.");
                }

                audience ??= matched;
            }

            return null;
        }

        private SamlVerificationResult? Window(XmlElement element, string what, bool requireNotOnOrAfter, out DateTimeOffset? notOnOrAfter)
        {
            notOnOrAfter = null;
            var notBeforeText = element.GetAttribute("NotBefore");
            if (notBeforeText.Length > 0)
            {
                if (!SamlTime.TryParse(notBeforeText, out var notBefore))
                {
                    return SamlVerificationResult.Invalid($"The SAML {what} NotBefore is not an xs:dateTime.");
                }

                if (now + expected.ClockSkew < notBefore)
                {
                    return SamlVerificationResult.Invalid(
                        $"The SAML assertion is not valid yet ({what} NotBefore {notBefore:u}): check the identity provider's and the broker's clocks.");
                }
            }

            var notOnOrAfterText = element.GetAttribute("NotOnOrAfter");
            if (notOnOrAfterText.Length == 0)
            {
                return requireNotOnOrAfter
                    ? SamlVerificationResult.Invalid($"The SAML {what} has no NotOnOrAfter.")
                    : null;
            }

            if (!SamlTime.TryParse(notOnOrAfterText, out var end))
            {
                return SamlVerificationResult.Invalid($"The SAML {what} NotOnOrAfter is not an xs:dateTime.");
            }

            if (now >= end + expected.ClockSkew)
            {
                return SamlVerificationResult.Expired($"The SAML assertion has expired ({what} NotOnOrAfter {end:u}): sign in again.");
            }

            notOnOrAfter = end;
            return null;
        }

        private static SamlVerificationResult? ReadAttributes(XmlElement assertion, out Dictionary<string, IReadOnlyList<string>> attributes)
        {
            var collected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            attributes = [];
            foreach (var statement in Children(assertion, SamlNames.Assertion, "AttributeStatement"))
            {
                if (Children(statement, SamlNames.Assertion, "EncryptedAttribute").Any())
                {
                    return SamlVerificationResult.Invalid("The SAML AttributeStatement carries an EncryptedAttribute, which this broker does not decrypt.");
                }

                foreach (var attribute in Children(statement, SamlNames.Assertion, "Attribute"))
                {
                    var name = attribute.GetAttribute("Name");
                    if (!collected.TryGetValue(name, out var values))
                    {
                        collected[name] = values = [];
                    }

                    foreach (var valueElement in Children(attribute, SamlNames.Assertion, "AttributeValue"))
                    {
                        if (Text(valueElement, $"attribute {name} value", out var value) is { } bad)
                        {
                            return bad;
                        }

                        values.Add(value);
                    }
                }
            }

            attributes = collected.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
            return null;
        }

        private static SamlVerificationResult ReadAwsAttributes(Dictionary<string, IReadOnlyList<string>> attributes, VerifiedSamlAssertion partial)
        {
            if (!attributes.TryGetValue(SamlNames.RoleAttribute, out var roleValues) || roleValues.Count == 0)
            {
                return SamlVerificationResult.Invalid(
                    $"The SAML assertion has no {SamlNames.RoleAttribute} attribute: the identity provider's app must send 'role-arn,provider-arn' pairs.");
            }

            var roles = new List<SamlRolePair>();
            foreach (var value in roleValues)
            {
                var parts = value.Split(',', StringSplitOptions.TrimEntries);
                var role = parts.Length == 2 ? parts.FirstOrDefault(p => RoleArn().IsMatch(p)) : null;
                var providerArn = parts.Length == 2 ? parts.FirstOrDefault(p => ProviderArn().IsMatch(p)) : null;
                if (role is null || providerArn is null)
                {
                    return SamlVerificationResult.Invalid(
                        $"A value of the SAML Role attribute is not 'arn:aws:iam::ACCOUNT:role/NAME,arn:aws:iam::ACCOUNT:saml-provider/NAME' (either order): '{Quote(value)}'.");
                }

                roles.Add(new SamlRolePair(role, providerArn));
            }

            if (SingleValue(attributes, SamlNames.RoleSessionNameAttribute, required: true, out var sessionName) is { } nameFailure)
            {
                return nameFailure;
            }

            if (!SessionName().IsMatch(sessionName!))
            {
                return SamlVerificationResult.Invalid(
                    "The SAML RoleSessionName attribute must be 2 to 64 characters of letters, digits and +=,.@_-.");
            }

            int? duration = null;
            if (SingleValue(attributes, SamlNames.SessionDurationAttribute, required: false, out var durationText) is { } durationFailure)
            {
                return durationFailure;
            }

            if (durationText is not null)
            {
                if (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 900 or > 43200)
                {
                    return SamlVerificationResult.Invalid("The SAML SessionDuration attribute must be a whole number of seconds from 900 to 43200.");
                }

                duration = seconds;
            }

            if (SingleValue(attributes, SamlNames.SourceIdentityAttribute, required: false, out var sourceIdentity) is { } sourceFailure)
            {
                return sourceFailure;
            }

            if (sourceIdentity is not null && !SessionName().IsMatch(sourceIdentity))
            {
                return SamlVerificationResult.Invalid(
                    "The SAML SourceIdentity attribute must be 2 to 64 characters of letters, digits and +=,.@_-.");
            }

            var tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in attributes)
            {
                if (!name.StartsWith(SamlNames.PrincipalTagAttributePrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var key = name[SamlNames.PrincipalTagAttributePrefix.Length..];
                if (values.Count != 1 || key.Length is 0 or > 128 || values[0].Length > 256)
                {
                    return SamlVerificationResult.Invalid(
                        $"The SAML attribute PrincipalTag:{key} must carry exactly one value of at most 256 characters, with a key of 1 to 128 characters.");
                }

                if (tags.Keys.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
                {
                    return SamlVerificationResult.Invalid($"The SAML assertion sends the session tag {key} twice (tag keys are case-insensitive).");
                }

                tags[key] = values[0];
            }

            if (tags.Count > 50)
            {
                return SamlVerificationResult.Invalid("The SAML assertion sends more than 50 PrincipalTag attributes.");
            }

            var transitive = attributes.TryGetValue(SamlNames.TransitiveTagKeysAttribute, out var keys) ? keys : [];
            return new SamlVerificationResult(
                partial with
                {
                    Roles = roles,
                    RoleSessionName = sessionName!,
                    SessionDurationSeconds = duration,
                    SourceIdentity = sourceIdentity,
                    PrincipalTags = tags,
                    TransitiveTagKeys = transitive,
                },
                null);
        }

        private static SamlVerificationResult? SingleValue(
            Dictionary<string, IReadOnlyList<string>> attributes, string name, bool required, out string? value)
        {
            value = null;
            var shortName = name[SamlNames.AwsAttributePrefix.Length..];
            if (!attributes.TryGetValue(name, out var values) || values.Count == 0)
            {
                return required
                    ? SamlVerificationResult.Invalid($"The SAML assertion has no {name} attribute.")
                    : null;
            }

            if (values.Count != 1)
            {
                return SamlVerificationResult.Invalid($"The SAML {shortName} attribute must carry exactly one value.");
            }

            value = values[0];
            return null;
        }

        private static SamlVerificationResult? Single(XmlElement parent, string ns, string localName, string parentName, out XmlElement? element)
        {
            var found = Children(parent, ns, localName).Take(2).ToList();
            element = found.Count == 1 ? found[0] : null;
            return found.Count switch
            {
                1 => null,
                0 => SamlVerificationResult.Invalid($"The SAML {parentName} has no {localName}."),
                _ => SamlVerificationResult.Invalid($"The SAML {parentName} has more than one {localName}."),
            };
        }

        /// <summary>
        /// A value's text, trimmed. Anything but text inside it is refused: exclusive c14n leaves comments out of the
        /// signed bytes, so "admin@example.com&lt;!----&gt;.evil.example" verifies and a reader stopping at the
        /// comment would see someone else.
        /// </summary>
        private static SamlVerificationResult? Text(XmlElement element, string what, out string text)
        {
            var builder = new System.Text.StringBuilder();
            foreach (XmlNode child in element.ChildNodes)
            {
                if (child.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
                {
                    builder.Append(child.Value);
                    continue;
                }

                text = "";
                return SamlVerificationResult.Invalid(
                    $"The SAML {what} contains {(child.NodeType == XmlNodeType.Comment ? "a comment" : "markup")}, which is refused: a comment can hide part of a signed value.");
            }

            text = builder.ToString().Trim();
            return null;
        }

        private static IEnumerable<XmlElement> Children(XmlElement parent, string ns, string localName) =>
            parent.ChildNodes.OfType<XmlElement>().Where(e => Is(e, ns, localName));

        private static bool Is(XmlElement element, string ns, string localName) =>
            element.LocalName == localName && element.NamespaceURI == ns;

        private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

        /// <summary>A value from the response as quoted in a message: never more than 128 characters of it.</summary>
        private static string Quote(string value) => value.Length <= 128 ? value : value[..128] + "…";
    }

    /// <summary>
    /// <c>SignedXml</c> resolving "#id" to the one element already found for it. The default searches the whole
    /// document with XPath three times (Id, id, ID) per reference; here IDs are known to be unique across all three
    /// spellings (see <c>FindDuplicateId</c>) and the reference to equal the signed element's own ID, so the answer is
    /// the same, found without the search. Any other ID resolves to nothing.
    /// </summary>
    private sealed class TargetedSignedXml(XmlDocument document, XmlElement target, string targetId) : SignedXml(document)
    {
        public override XmlElement? GetIdElement(XmlDocument? document, string idValue) =>
            string.Equals(idValue, targetId, StringComparison.Ordinal) ? target : null;
    }

    [GeneratedRegex(@"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArn();

    [GeneratedRegex(@"^arn:aws[\w-]*:iam::\d{12}:saml-provider/[\w._-]{1,128}$")]
    private static partial Regex ProviderArn();

    [GeneratedRegex(@"^[\w+=,.@-]{2,64}$")]
    private static partial Regex SessionName();
}
