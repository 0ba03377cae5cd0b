using System.Buffers;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using IamDb.Federation.Saml;

namespace IamDb.Federation.Tests.Saml;

/// <summary>
/// <see cref="ExclusiveCanonicalizer"/> against .NET's <see cref="XmlDsigExcC14NTransform"/> on the cases where
/// canonicalization goes wrong: namespaces declared on ancestors, unused, redeclared or undone; attribute order across
/// namespaces; characters escaped in text and attribute values; CDATA, comments, processing instructions; and a left-out
/// (enveloped) child. Both must produce the same bytes, since identity providers sign what a standard implementation
/// produces.
/// </summary>
public sealed class ExclusiveCanonicalizerTests
{
    private const string Document = """
        <r:Root xmlns:r="urn:r" xmlns="urn:default" xmlns:unused="urn:unused" xmlns:x="urn:x" r:id="root">
          <r:Child b="2" a="1" x:c="3" r:d="4" xmlns:y="urn:y">text &amp; &lt; &gt; "q" 'a' &#13; tab	end<y:Leaf/></r:Child>
          <Plain z="&quot;&#9;&#10;&#13;&lt;&amp;&gt;'" a="&#xE9;t&#xE9;">caf&#xE9; &#x1F600;</Plain>
          <e xmlns=""><f g="h"><x:deep/></f></e>
          <a:x xmlns:a="urn:1"><a:y xmlns:a="urn:2"><a:z/></a:y></a:x>
          <s xmlns:b="urn:b" xmlns:a="urn:z" b:k="1" a:k="2" k="0" j="9" xml:lang="en"/>
          <![CDATA[<cdata> & ]]>
          <?target some data?><?empty?>
          <!-- a comment -->
          <Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>left out</SignedInfo></Signature>
        </r:Root>
        """;

    public static TheoryData<string> Elements => new() { "Root", "Child", "Plain", "e", "f", "deep", "x", "y", "s", "Leaf" };

    [Theory]
    [MemberData(nameof(Elements))]
    public void Each_element_canonicalizes_to_the_bytes_NET_s_transform_produces(string localName)
    {
        var element = Load().GetElementsByTagName("*").OfType<XmlElement>().First(e => e.LocalName == localName);

        Assert.Equal(DotNet(element, omitted: null), Ours(element, omit: null));
    }

    [Theory]
    [InlineData("Root", "unused")]
    [InlineData("Child", "unused x #default")]
    [InlineData("e", "#default r")]
    [InlineData("f", "x notdeclared xml")]
    [InlineData("y", "a r")]
    [InlineData("Leaf", "y unused")]
    public void An_InclusiveNamespaces_prefix_list_declares_those_prefixes_as_NET_s_transform_does(string localName, string prefixList)
    {
        var element = Load().GetElementsByTagName("*").OfType<XmlElement>().First(e => e.LocalName == localName);
        var prefixes = prefixList.Split(' ').Select(p => p == "#default" ? "" : p).ToList();

        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(ExclusiveCanonicalizer.TryWrite(element, null, prefixes, buffer));

        Assert.Equal(DotNet(element, omitted: null, prefixList), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void An_omitted_child_is_left_out_as_the_enveloped_signature_transform_does()
    {
        var document = Load();
        var root = document.DocumentElement!;
        var signature = root.ChildNodes.OfType<XmlElement>().Single(e => e.LocalName == "Signature");

        var ours = Ours(root, signature);

        Assert.Equal(DotNet(root, signature), ours);
        Assert.DoesNotContain("left out", ours, StringComparison.Ordinal);
        Assert.DoesNotContain("a comment", ours, StringComparison.Ordinal);
        Assert.Contains("<?target some data?><?empty?>", ours, StringComparison.Ordinal);
        Assert.Contains("&lt;cdata&gt; &amp; ", ours, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entity_reference_node_is_not_canonicalized()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml("<a><b/></a>");
        document.DocumentElement!.FirstChild!.AppendChild(document.CreateEntityReference("ent"));

        Assert.False(ExclusiveCanonicalizer.TryWrite(document.DocumentElement, null, new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_not_canonicalized_rather_than_recursing_without_end()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(string.Concat(Enumerable.Repeat("<a>", 20_000)) + string.Concat(Enumerable.Repeat("</a>", 20_000)));
        var shallow = new XmlDocument { PreserveWhitespace = true };
        shallow.LoadXml(string.Concat(Enumerable.Repeat("<a>", ExclusiveCanonicalizer.MaxDepth)) + string.Concat(Enumerable.Repeat("</a>", ExclusiveCanonicalizer.MaxDepth)));

        Assert.False(ExclusiveCanonicalizer.TryWrite(document.DocumentElement!, null, new ArrayBufferWriter<byte>()));
        Assert.True(ExclusiveCanonicalizer.TryWrite(shallow.DocumentElement!, null, new ArrayBufferWriter<byte>()));
    }

    private static XmlDocument Load()
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(Document);
        return document;
    }

    internal static string Ours(XmlElement element, XmlNode? omit)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.True(ExclusiveCanonicalizer.TryWrite(element, omit, buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// What SignedXml digests for a same-document reference: the element copied into a document of its own, carrying
    /// the namespace declarations in scope from its ancestors, the omitted node removed, then exclusive c14n.
    /// </summary>
    internal static string DotNet(XmlElement element, XmlNode? omitted, string? prefixList = null)
    {
        var copy = new XmlDocument { PreserveWhitespace = true };
        var root = (XmlElement)copy.AppendChild(copy.ImportNode(element, deep: true))!;
        for (var ancestor = element.ParentNode as XmlElement; ancestor is not null; ancestor = ancestor.ParentNode as XmlElement)
        {
            foreach (XmlAttribute attribute in ancestor.Attributes)
            {
                if (attribute.NamespaceURI == "http://www.w3.org/2000/xmlns/" && !root.HasAttribute(attribute.Name))
                {
                    root.SetAttributeNode((XmlAttribute)copy.ImportNode(attribute, deep: true));
                }
            }
        }

        if (omitted is not null)
        {
            var index = element.ChildNodes.OfType<XmlNode>().ToList().IndexOf(omitted);
            root.RemoveChild(root.ChildNodes[index]!);
        }

        var transform = prefixList is null ? new XmlDsigExcC14NTransform() : new XmlDsigExcC14NTransform(prefixList);
        transform.LoadInput(copy);
        using var reader = new StreamReader((Stream)transform.GetOutput(typeof(Stream)), Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
