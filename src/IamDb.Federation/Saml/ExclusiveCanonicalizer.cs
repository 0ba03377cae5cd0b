using System.Buffers;
using System.Text;
using System.Xml;

namespace IamDb.Federation.Saml;

/// <summary>
/// Exclusive XML Canonicalization 1.0 without comments (<c>http://www.w3.org/2001/10/xml-exc-c14n#</c>) of one element
/// of a parsed document, with an optional InclusiveNamespaces prefix list, optionally leaving out one descendant (the
/// enveloped-signature transform). Works on the document as parsed, so the bytes signed are those of the very nodes
/// the verifier reads, with no serialize-and-reparse in between.
/// </summary>
/// <remarks>
/// The rules (W3C Exclusive XML Canonicalization 1.0, on C14N 1.0): UTF-8; no XML declaration; comments left out;
/// processing instructions kept; CDATA written as escaped text; attributes sorted by namespace URI, then local name;
/// a namespace declaration written on an element only for a prefix the element or one of its attributes uses, and
/// only when the nearest written ancestor did not already declare it with the same URI (<c>xmlns=""</c> only to undo
/// a written default namespace); declarations sorted by prefix, the default first; the <c>xml</c> prefix is never
/// declared. Nodes a parser without DTDs cannot produce (entity references) make the method return false.
/// </remarks>
internal static class ExclusiveCanonicalizer
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>
    /// The deepest element nesting canonicalized (SAML documents are under ten deep). Canonicalization runs before the
    /// signature is known to be good, so without a bound a deeply nested forged response would exhaust the stack.
    /// </summary>
    public const int MaxDepth = 128;

    /// <summary>
    /// Writes the canonical form of <paramref name="element"/> to <paramref name="output"/>, skipping
    /// <paramref name="omit"/> (and its subtree) when it is met. False, with partial output, when the subtree holds a
    /// node kind canonicalization does not define here, or elements nested deeper than <see cref="MaxDepth"/>.
    /// </summary>
    public static bool TryWrite(XmlElement element, XmlNode? omit, IBufferWriter<byte> output) =>
        TryWrite(element, omit, [], output);

    /// <summary>
    /// As <see cref="TryWrite(XmlElement, XmlNode?, IBufferWriter{byte})"/>, with an InclusiveNamespaces
    /// <c>PrefixList</c>: those prefixes (<c>""</c> for <c>#default</c>) are declared wherever they are in scope and
    /// not yet declared with that URI by a written ancestor, whether or not the element uses them, as inclusive c14n
    /// does (identity providers list <c>xs</c> so that <c>xsi:type="xs:string"</c> keeps its meaning).
    /// </summary>
    public static bool TryWrite(XmlElement element, XmlNode? omit, IReadOnlyList<string> inclusivePrefixes, IBufferWriter<byte> output) =>
        new Writer(output, inclusivePrefixes).Element(element, omit, new Scope(null), 1);

    /// <summary>The namespace declarations written on the current element and its written ancestors.</summary>
    private sealed class Scope(Scope? parent)
    {
        private List<(string Prefix, string Uri)>? _declared;

        public Scope? Parent { get; } = parent;

        public string? Find(string prefix)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._declared is { } declared)
                {
                    foreach (var (p, uri) in declared)
                    {
                        if (p == prefix)
                        {
                            return uri;
                        }
                    }
                }
            }

            return null;
        }

        public void Declare(string prefix, string uri) => (_declared ??= []).Add((prefix, uri));
    }

    private sealed class Writer(IBufferWriter<byte> output, IReadOnlyList<string> inclusivePrefixes)
    {
        private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");
        private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<\"\t\n\r");

        private void Append(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
            {
                return;
            }

            var bytes = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            output.Advance(Encoding.UTF8.GetBytes(text, bytes));
        }

        private void Append(char c) => Append([c]);

        public bool Element(XmlElement element, XmlNode? omit, Scope parentScope, int depth)
        {
            if (depth > MaxDepth)
            {
                return false;
            }

            var scope = new Scope(parentScope);
            Append('<');
            Append(element.Name);

            // Namespaces the element visibly uses: its own prefix's and those of its prefixed attributes.
            var used = new List<(string Prefix, string Uri)>(2) { (element.Prefix, element.NamespaceURI) };
            List<XmlAttribute>? attributes = null;
            foreach (XmlAttribute attribute in element.Attributes)
            {
                if (attribute.NamespaceURI == XmlnsNamespace)
                {
                    continue;
                }

                (attributes ??= []).Add(attribute);
                if (attribute.Prefix.Length > 0 && attribute.Prefix != "xml" && !used.Exists(u => u.Prefix == attribute.Prefix))
                {
                    used.Add((attribute.Prefix, attribute.NamespaceURI));
                }
            }

            foreach (var prefix in inclusivePrefixes)
            {
                if (prefix == "xml" || used.Exists(u => u.Prefix == prefix))
                {
                    continue;
                }

                // In scope here: declared on the element or an ancestor (GetNamespaceOfPrefix gives "" when not).
                var uri = element.GetNamespaceOfPrefix(prefix);
                if (uri.Length > 0 || prefix.Length == 0)
                {
                    used.Add((prefix, uri));
                }
            }

            used.Sort(static (a, b) => string.CompareOrdinal(a.Prefix, b.Prefix));
            foreach (var (prefix, uri) in used)
            {
                var written = scope.Find(prefix);
                if (prefix.Length == 0 ? uri == (written ?? "") : uri == written)
                {
                    continue;
                }

                scope.Declare(prefix, uri);
                Append(prefix.Length == 0 ? " xmlns=\"" : " xmlns:");
                if (prefix.Length > 0)
                {
                    Append(prefix);
                    Append("=\"");
                }

                AttributeValue(uri);
                Append('"');
            }

            if (attributes is not null)
            {
                attributes.Sort(static (a, b) =>
                {
                    var byNamespace = string.CompareOrdinal(a.NamespaceURI, b.NamespaceURI);
                    return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.LocalName, b.LocalName);
                });
                foreach (var attribute in attributes)
                {
                    Append(' ');
                    Append(attribute.Name);
                    Append("=\"");
                    AttributeValue(attribute.Value);
                    Append('"');
                }
            }

            Append('>');
            for (var child = element.FirstChild; child is not null; child = child.NextSibling)
            {
                if (ReferenceEquals(child, omit))
                {
                    continue;
                }

                switch (child.NodeType)
                {
                    case XmlNodeType.Element:
                        if (!Element((XmlElement)child, omit, scope, depth + 1))
                        {
                            return false;
                        }

                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        Text(child.Value!);
                        break;
                    case XmlNodeType.Comment:
                        break;
                    case XmlNodeType.ProcessingInstruction:
                        var instruction = (XmlProcessingInstruction)child;
                        Append("<?");
                        Append(instruction.Target);
                        if (instruction.Data.Length > 0)
                        {
                            Append(' ');
                            Append(instruction.Data);
                        }

                        Append("?>");
                        break;
                    default:
                        return false;
                }
            }

            Append("</");
            Append(element.Name);
            Append('>');
            return true;
        }

        private void Text(string value) => Escaped(value, TextSpecials);

        private void AttributeValue(string value) => Escaped(value, AttributeSpecials);

        /// <summary>Writes <paramref name="value"/> with its special characters as c14n's references, in runs.</summary>
        private void Escaped(ReadOnlySpan<char> value, SearchValues<char> specials)
        {
            while (true)
            {
                var next = value.IndexOfAny(specials);
                if (next < 0)
                {
                    Append(value);
                    return;
                }

                Append(value[..next]);
                Append(value[next] switch
                {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\t' => "&#x9;",
                    '\n' => "&#xA;",
                    _ => "&#xD;",
                });
                value = value[(next + 1)..];
            }
        }
    }
}
