using System.Xml;

namespace IamDb.Federation.Saml;

/// <summary>
/// Loads untrusted XML without the parser features attackers use: no DTD (so no entity expansion or external
/// entities), no resolver (nothing is fetched), a size cap. Comments are kept so that callers can refuse them where
/// they would change a value's meaning.
/// </summary>
internal static class SecureXml
{
    public static XmlDocument? TryLoad(string xml, int maxCharacters, out string? error)
    {
        using var reader = new StringReader(xml);
        return TryLoad(reader, maxCharacters, out error);
    }

    public static XmlDocument? TryLoad(byte[] xml, int maxCharacters, out string? error)
    {
        using var stream = new MemoryStream(xml, writable: false);
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        return TryLoad(reader, maxCharacters, out error);
    }

    private static XmlDocument? TryLoad(TextReader text, int maxCharacters, out string? error)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = false,
            IgnoreProcessingInstructions = false,
            IgnoreWhitespace = false,
            CloseInput = false,
        };
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(text, settings);
            document.Load(reader);
        }
        catch (XmlException e)
        {
            // The parser's own message can quote document text; report only what kind of problem and where.
            error = e.Message.Contains("DTD", StringComparison.Ordinal)
                ? "it contains a DTD (<!DOCTYPE>), which is refused: DTDs carry entity expansion and external entities"
                : $"it is not well-formed (line {e.LineNumber}, position {e.LinePosition})";
            return null;
        }

        if (document.DocumentElement is null)
        {
            error = "it has no root element";
            return null;
        }

        error = null;
        return document;
    }
}
