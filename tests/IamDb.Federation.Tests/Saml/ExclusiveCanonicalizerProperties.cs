using System.Globalization;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using CsCheck;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

/// <summary>
/// The fast signature path digests <see cref="ExclusiveCanonicalizer"/>'s bytes instead of SignedXml's, so the two must
/// agree on every document, not only on the hand-picked cases of <see cref="ExclusiveCanonicalizerTests"/>: generated
/// documents with prefixes declared, redeclared and undone at random depths, attributes in several namespaces, text and
/// attribute values full of characters that must be escaped (quotes, angle brackets, ampersands, tabs, CR, LF, non-ASCII),
/// CDATA, comments and processing instructions. Every element of each document, with and without one child left out
/// (the enveloped-signature transform), must canonicalize to the bytes of .NET's <see cref="XmlDsigExcC14NTransform"/>.
/// Two different documents giving the same bytes (an escaping slip that lets an attribute value close its quotes, say)
/// would let a signed document be altered; agreeing with the standard implementation byte for byte rules that out as
/// far as the standard implementation does.
/// </summary>
public sealed class ExclusiveCanonicalizerProperties
{
    private static readonly string[] Prefixes = ["", "a", "b", "c"];
    private static readonly string[] Uris = ["urn:one", "urn:two", "http://example.com/three", "urn:a:b"];
    private static readonly string[] LocalNames = ["Assertion", "x", "Attribute", "v"];
    private static readonly string[] AttributeNames = ["ID", "k", "Name", "a:k", "b:k", "c:Format", "xml:lang"];

    // Pieces of text and attribute values: each a character that canonicalization escapes or keeps in a special way.
    private static readonly string[] Pieces = ["a", " ", "\"", "'", "<", ">", "&", "\t", "\n", "\r", "é", "\U0001F600", "]]", "=", "xmlns", "&amp;"];

    private static readonly Gen<string> Text = Gen.Int[0, Pieces.Length - 1].Array[0, 6].Select(ix => string.Concat(ix.Select(i => Pieces[i])));

    private static readonly Gen<string> Attributes =
        Gen.Select(Gen.Int[0, AttributeNames.Length - 1], Text).Array[0, 3].Select(attributes =>
            string.Concat(attributes.DistinctBy(a => a.Item1).Select(a => $" {AttributeNames[a.Item1]}=\"{Escape(a.Item2)}\"")));

    // A namespace declaration (or none, or xmlns="" undoing the default) on an element.
    private static readonly Gen<string> Declaration =
        Gen.Select(Gen.Int[0, Prefixes.Length - 1], Gen.Int[-1, Uris.Length - 1]).Select((p, u) =>
            u < 0 ? (p == 0 ? " xmlns=\"\"" : "") : $" xmlns{(p == 0 ? "" : ":" + Prefixes[p])}=\"{Uris[u]}\"");

    private static readonly Gen<string> Leaf = Gen.OneOf(
        Text.Select(Escape),
        Text.Where(t => !t.Contains("]]", StringComparison.Ordinal) && !t.Contains('\r', StringComparison.Ordinal)).Select(t => $"<![CDATA[{t}]]>"),
        Gen.Const("<!-- a comment -->"),
        Gen.Const("<?target data?>"));

    private static Gen<string> Element(int depth) =>
        Gen.Select(
            Gen.Int[0, Prefixes.Length - 1],
            Gen.Int[0, LocalNames.Length - 1],
            Declaration.Array[0, 2],
            Attributes,
            depth == 0 ? Leaf.Array[0, 2] : Gen.OneOf(Leaf, Element(depth - 1)).Array[0, 4])
        .Select((prefix, local, declarations, attributes, children) =>
        {
            var name = (Prefixes[prefix] == "" ? "" : Prefixes[prefix] + ":") + LocalNames[local];
            return $"<{name}{string.Concat(declarations.Distinct())}{attributes}>{string.Concat(children)}</{name}>";
        });

    // The root binds every prefix, so any prefix used below is in scope whatever the inner declarations did.
    private static readonly Gen<string> Documents = Element(3).Select(inner =>
        $"<r:Root xmlns:r=\"urn:root\" xmlns:a=\"urn:one\" xmlns:b=\"urn:two\" xmlns:c=\"urn:c\" r:id=\"_1\">{inner}<r:Tail/></r:Root>");

    [Fact]
    public void Every_element_of_a_generated_document_canonicalizes_to_the_bytes_NET_s_transform_produces()
    {
        var compared = 0;
        Documents.Sample(
            xml =>
            {
                if (Parse(xml) is not { } document)
                {
                    return true; // a duplicate attribute after prefix binding: not a document
                }

                foreach (var element in document.GetElementsByTagName("*").OfType<XmlElement>())
                {
                    var omit = element.ChildNodes.OfType<XmlElement>().FirstOrDefault();
                    if (ExclusiveCanonicalizerTests.Ours(element, null) != ExclusiveCanonicalizerTests.DotNet(element, null)
                        || (omit is not null && ExclusiveCanonicalizerTests.Ours(element, omit) != ExclusiveCanonicalizerTests.DotNet(element, omit)))
                    {
                        return false;
                    }

                    compared++;
                }

                return true;
            },
            iter: 400);

        Assert.True(compared > 1_000, $"only {compared} elements compared");
    }

    private static XmlDocument? Parse(string xml)
    {
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            document.LoadXml(xml);
            return document;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    // Every special character as a reference, so the parsed document holds it literally (CR and tab included).
    private static string Escape(string value) =>
        string.Concat(value.EnumerateRunes().Select(r => r.Value is '<' or '>' or '&' or '"' or '\'' or '\t' or '\n' or '\r'
            ? string.Create(CultureInfo.InvariantCulture, $"&#x{r.Value:X};")
            : r.ToString()));
}
