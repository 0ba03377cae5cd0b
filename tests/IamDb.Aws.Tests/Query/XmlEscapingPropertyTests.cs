using System.Xml.Linq;
using CsCheck;
using IamDb.Aws.Errors;
using IamDb.Aws.Query;

namespace IamDb.Aws.Tests.Query;

public class XmlEscapingPropertyTests
{
    private static readonly XNamespace Iam = QueryService.IamNamespace;

    // Pieces chosen to hit every escaping rule: markup characters, CDATA terminators, line ends, controls,
    // lone and paired surrogates, non-characters, plain BMP text.
    private static readonly string[] FixedPieces = ["]]>", "😀", "\r\n", "<![CDATA[", "&amp;", "\uD83D", "\uDE00", "é"];

    private static readonly Gen<string> Hostile = Gen.OneOf(
            Gen.Char['\u0000', '\u001F'].Select(c => c.ToString()),
            Gen.Char['\uD800', '\uDFFF'].Select(c => c.ToString()),
            Gen.Char["<>&'\"]\r\n\t\uFFFE\uFFFF\uFFFD"].Select(c => c.ToString()),
            Gen.Char['\u0020', '\uFFFF'].Select(c => c.ToString()),
            Gen.Int[0, FixedPieces.Length - 1].Select(i => FixedPieces[i]))
        .Array[0, 24]
        .Select(string.Concat);

    private static readonly Gen<string> ValidText = Gen.OneOf(
            Gen.Char["\t\r\n<>&'\"] "].Select(c => c.ToString()),
            Gen.Char['\u0020', '\uD7FF'].Select(c => c.ToString()),
            Gen.Char['\uE000', '\uFFFD'].Select(c => c.ToString()),
            Gen.OneOf(Gen.Char['\uD800', '\uDBFF'], Gen.Char['\uD800', '\uDBFF'])
                .SelectMany(hi => Gen.Char['\uDC00', '\uDFFF'].Select(lo => string.Concat(hi.ToString(), lo.ToString()))),
            Gen.Int[0, FixedPieces.Length - 1].Select(i => FixedPieces[i]).Where(p => p is not "\uD83D" and not "\uDE00"))
        .Array[0, 24]
        .Select(string.Concat);

    private static XElement WriteAndParse(string value)
    {
        var bytes = QueryResponseWriter.ToBytes(QueryService.IamNamespace, "GetUser", "id", w => w.WriteString("Value", value));
        using var stream = new MemoryStream(bytes);
        var document = XDocument.Load(stream, LoadOptions.PreserveWhitespace);
        return document.Root!.Element(Iam + "GetUserResult")!.Element(Iam + "Value")!;
    }

    [Fact]
    public void WriteString_AnyString_AlwaysParsesAndKeepsSanitizedText() =>
        Hostile.Sample(value =>
        {
            var element = WriteAndParse(value);
            Assert.Equal(XmlText.Sanitize(value), element.Value);
        }, iter: 2000);

    [Fact]
    public void WriteString_ValidXmlText_RoundTripsExactly() =>
        ValidText.Sample(value =>
        {
            Assert.True(XmlText.IsValid(value));
            Assert.Equal(value, WriteAndParse(value).Value);
        }, iter: 2000);

    // In code rather than [InlineData]: test-case serialisation would itself replace the lone surrogates.
    private static readonly (string Input, string Expected)[] Table =
    [
        ("a\u0000b", "a\uFFFDb"),
        ("\u0001\u001F", "\uFFFD\uFFFD"),
        ("x\uD800y", "x\uFFFDy"),
        ("x\uDC00", "x\uFFFD"),
        ("\uDE00\uD83D", "\uFFFD\uFFFD"),
        ("\uFFFE\uFFFF", "\uFFFD\uFFFD"),
        ("😀", "😀"),
        ("tab\there\r\nnew\rold-mac", "tab\there\r\nnew\rold-mac"),
        ("]]>&<\"'", "]]>&<\"'"),
        ("   ", "   "),
    ];

    [Fact]
    public void WriteString_Table_ReplacesOnlyWhatXmlCannotCarry()
    {
        foreach (var (input, expected) in Table)
        {
            Assert.Equal(expected, WriteAndParse(input).Value);
        }
    }

    [Fact]
    public void ErrorToBytes_HostileMessage_StillParses() =>
        Hostile.Sample(message =>
        {
            var bytes = QueryResponseWriter.ErrorToBytes(QueryService.IamNamespace, new AwsError("Code", message, 400), "id");
            using var stream = new MemoryStream(bytes);
            var root = XDocument.Load(stream, LoadOptions.PreserveWhitespace).Root!;
            Assert.Equal(XmlText.Sanitize(message), root.Element(Iam + "Error")!.Element(Iam + "Message")!.Value);
        }, iter: 500);
}
