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
internal static class QueryResponseWriter
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        CloseOutput = false,
    };

    // XmlWriter.Create allocates a 6 KB buffer and its scope stacks: for a small response the largest allocation of the
    // request. ToBytes reuses one writer per thread instead; fragment conformance lets it write one root element after another.
    private static readonly XmlWriterSettings ReusableSettings = CreateReusableSettings();

    private const int MaxRetainedBuffer = 64 * 1024;

    [ThreadStatic]
    private static ReusableDocument? _threadDocument;

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
        WriteResultDocument(xml, xmlNamespace, action, requestId, state, writeResult);
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
        ArgumentException.ThrowIfNullOrEmpty(xmlNamespace);
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(requestId);
        var document = TakeDocument();
        var balanced = WriteResultDocument(
            document.Xml, xmlNamespace, action, requestId, writeResult, writeResult is null ? null : static (w, write) => write!(w));
        return document.Finish(balanced);
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
        WriteErrorDocument(xml, xmlNamespace, error, requestId);
    }

    /// <summary>Writes an <c>ErrorResponse</c> into a new array.</summary>
    /// <inheritdoc cref="WriteError(Stream, string, AwsError, string)"/>
    public static byte[] ErrorToBytes(string xmlNamespace, AwsError error, string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(xmlNamespace);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(requestId);
        var document = TakeDocument();
        WriteErrorDocument(document.Xml, xmlNamespace, error, requestId);
        return document.Finish(balanced: true);
    }

    // False when writeResult left elements open (StartElement without EndElement): the document is then closed the way a
    // disposed writer closes it, and that writer is not reused.
    private static bool WriteResultDocument<TState>(
        XmlWriter xml, string xmlNamespace, string action, string requestId, TState state, Action<QueryXmlWriter, TState>? writeResult)
    {
        var balanced = true;
        xml.WriteStartElement(action + "Response", xmlNamespace);
        if (writeResult is not null)
        {
            xml.WriteStartElement(action + "Result");
            var members = new QueryXmlWriter(xml);
            writeResult(members, state);
            balanced = members.Unbalanced == 0;
            xml.WriteEndElement();
        }

        xml.WriteStartElement("ResponseMetadata");
        xml.WriteElementString("RequestId", XmlText.Sanitize(requestId));
        xml.WriteEndElement();
        xml.WriteEndElement();
        return balanced;
    }

    private static void WriteErrorDocument(XmlWriter xml, string xmlNamespace, AwsError error, string requestId)
    {
        xml.WriteStartElement("ErrorResponse", xmlNamespace);
        xml.WriteStartElement("Error");
        xml.WriteElementString("Type", error.Type == AwsErrorType.Sender ? "Sender" : "Receiver");
        xml.WriteElementString("Code", XmlText.Sanitize(error.Code));
        xml.WriteElementString("Message", XmlText.Sanitize(error.Message));
        xml.WriteEndElement();
        xml.WriteElementString("RequestId", XmlText.Sanitize(requestId));
        xml.WriteEndElement();
    }

    // Taken off the thread while in use: a document written from inside writeResult gets a writer of its own, and a writer
    // whose document threw half-way is never seen again.
    private static ReusableDocument TakeDocument()
    {
        var document = _threadDocument ?? new ReusableDocument();
        _threadDocument = null;
        return document;
    }

    private static XmlWriterSettings CreateReusableSettings()
    {
        var settings = Settings.Clone();
        settings.ConformanceLevel = ConformanceLevel.Fragment;
        return settings;
    }

    private sealed class ReusableDocument : IDisposable
    {
        private readonly MemoryStream _buffer = new(1024);

        public ReusableDocument() => Xml = XmlWriter.Create(_buffer, ReusableSettings);

        public XmlWriter Xml { get; }

        public byte[] Finish(bool balanced)
        {
            if (!balanced)
            {
                Xml.Dispose(); // closes what was left open, as the one-document writer of WriteResult does
                var written = _buffer.ToArray();
                Dispose();
                return written;
            }

            Xml.Flush();
            var bytes = _buffer.ToArray();
            _buffer.SetLength(0);
            if (_buffer.Capacity <= MaxRetainedBuffer)
            {
                _threadDocument = this;
            }
            else
            {
                Dispose(); // keep the thread's buffer small after an unusually large document
            }

            return bytes;
        }

        public void Dispose()
        {
            Xml.Dispose();
            _buffer.Dispose();
        }
    }
}
