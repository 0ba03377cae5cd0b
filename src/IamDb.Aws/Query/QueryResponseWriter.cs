using System.Text;
using System.Xml;
using IamDb.Aws.Errors;

namespace IamDb.Aws.Query;

/// <summary>
/// Writes whole Query-protocol response documents as UTF-8 (no BOM, no XML declaration, no indentation):
/// results <c>&lt;{Action}Response xmlns=…&gt;&lt;{Action}Result&gt;…&lt;/{Action}Result&gt;&lt;ResponseMetadata&gt;
/// &lt;RequestId&gt;…</c> and errors <c>&lt;ErrorResponse xmlns=…&gt;&lt;Error&gt;&lt;Type/&gt;&lt;Code/&gt;&lt;Message/&gt;
/// &lt;/Error&gt;&lt;RequestId/&gt;&lt;/ErrorResponse&gt;</c>. Serve them as <see cref="QueryContentTypes.Xml"/>.
/// </summary>
/// <remarks>
/// Text is escaped by <see cref="XmlWriter"/>; carriage returns are written as <c>&amp;#xD;</c> so they survive XML
/// line-end normalisation; characters XML 1.0 forbids (most C0 controls, U+FFFE/U+FFFF, unpaired surrogates)
/// become U+FFFD. The destination stream must accept synchronous writes (write to a buffer, then copy to the
/// response body asynchronously).
/// </remarks>
public static class QueryResponseWriter
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        CloseOutput = false,
    };

    /// <summary>
    /// Writes a successful response. With <paramref name="writeResult"/> null the document has no Result element —
    /// the shape of actions whose model has no output (IAM <c>DeleteUser</c>, <c>AttachUserPolicy</c>, …).
    /// </summary>
    /// <param name="destination">Where the UTF-8 document goes.</param>
    /// <param name="xmlNamespace">The service namespace, e.g. <see cref="QueryService.IamNamespace"/>.</param>
    /// <param name="action">The action name, e.g. <c>CreateUser</c>; a known action (an XML name), never raw input.</param>
    /// <param name="requestId">The request id, also sent as <c>x-amzn-RequestId</c>.</param>
    /// <param name="state">Passed to <paramref name="writeResult"/> (avoids a closure).</param>
    /// <param name="writeResult">Writes the members inside <c>{Action}Result</c>, or null for no Result element.</param>
    public static void WriteResult<TState>(
        Stream destination, string xmlNamespace, string action, string requestId, TState state, Action<QueryXmlWriter, TState>? writeResult)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(xmlNamespace);
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(requestId);

        using var xml = XmlWriter.Create(destination, Settings);
        xml.WriteStartElement(action + "Response", xmlNamespace);
        if (writeResult is not null)
        {
            xml.WriteStartElement(action + "Result");
            writeResult(new QueryXmlWriter(xml), state);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("ResponseMetadata");
        xml.WriteElementString("RequestId", XmlText.Sanitize(requestId));
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <inheritdoc cref="WriteResult{TState}(Stream, string, string, string, TState, Action{QueryXmlWriter, TState}?)"/>
    public static void WriteResult(
        Stream destination, string xmlNamespace, string action, string requestId, Action<QueryXmlWriter>? writeResult) =>
        WriteResult(
            destination, xmlNamespace, action, requestId, writeResult,
            writeResult is null ? null : static (w, write) => write!(w));

    /// <summary>Writes a successful response into a new array.</summary>
    /// <inheritdoc cref="WriteResult{TState}(Stream, string, string, string, TState, Action{QueryXmlWriter, TState}?)"/>
    public static byte[] ToBytes(string xmlNamespace, string action, string requestId, Action<QueryXmlWriter>? writeResult)
    {
        using var buffer = new MemoryStream();
        WriteResult(buffer, xmlNamespace, action, requestId, writeResult);
        return buffer.ToArray();
    }

    /// <summary>Writes an <c>ErrorResponse</c> for <paramref name="error"/>; Type is Sender for 4xx, Receiver for 5xx.</summary>
    /// <param name="destination">Where the UTF-8 document goes.</param>
    /// <param name="xmlNamespace">The service namespace (IAM, STS or Redshift).</param>
    /// <param name="error">The error; its message must already be free of secrets.</param>
    /// <param name="requestId">The request id, also sent as <c>x-amzn-RequestId</c>.</param>
    public static void WriteError(Stream destination, string xmlNamespace, AwsError error, string requestId)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(xmlNamespace);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(requestId);

        using var xml = XmlWriter.Create(destination, Settings);
        xml.WriteStartElement("ErrorResponse", xmlNamespace);
        xml.WriteStartElement("Error");
        xml.WriteElementString("Type", error.Type == AwsErrorType.Sender ? "Sender" : "Receiver");
        xml.WriteElementString("Code", XmlText.Sanitize(error.Code));
        xml.WriteElementString("Message", XmlText.Sanitize(error.Message));
        xml.WriteEndElement();
        xml.WriteElementString("RequestId", XmlText.Sanitize(requestId));
        xml.WriteEndElement();
    }

    /// <summary>Writes an <c>ErrorResponse</c> into a new array.</summary>
    /// <inheritdoc cref="WriteError(Stream, string, AwsError, string)"/>
    public static byte[] ErrorToBytes(string xmlNamespace, AwsError error, string requestId)
    {
        using var buffer = new MemoryStream();
        WriteError(buffer, xmlNamespace, error, requestId);
        return buffer.ToArray();
    }
}
