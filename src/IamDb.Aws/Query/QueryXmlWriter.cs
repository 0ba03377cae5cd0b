using System.Globalization;
using System.Xml;

namespace IamDb.Aws.Query;

/// <summary>
/// Writes the members of a Query-protocol result: elements, nested structures, lists and maps, with the
/// protocol's scalar formats (lowercase booleans, invariant integers, UTC ISO-8601 timestamps with milliseconds).
/// A null value writes nothing (botocore reads a missing element as an absent member). Text that XML 1.0 cannot
/// carry is replaced with U+FFFD; see <see cref="QueryResponseWriter"/>.
/// </summary>
internal sealed class QueryXmlWriter
{
    private readonly XmlWriter _xml;

    internal QueryXmlWriter(XmlWriter xml) => _xml = xml;

    /// <summary><see cref="StartElement"/> calls minus <see cref="EndElement"/> calls: not zero means the document's shape is the caller's bug.</summary>
    internal int Unbalanced { get; private set; }

    /// <summary>Writes <c>&lt;name&gt;value&lt;/name&gt;</c>, or nothing when <paramref name="value"/> is null.</summary>
    public void WriteString(string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        _xml.WriteStartElement(name);
        _xml.WriteString(XmlText.Sanitize(value));
        _xml.WriteEndElement();
    }

    /// <summary>Writes <c>true</c> or <c>false</c>, or nothing when null.</summary>
    public void WriteBoolean(string name, bool? value)
    {
        if (value is { } v)
        {
            _xml.WriteElementString(name, v ? "true" : "false");
        }
    }

    /// <summary>Writes an integer in invariant form, or nothing when null.</summary>
    public void WriteInt32(string name, int? value)
    {
        if (value is { } v)
        {
            _xml.WriteElementString(name, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Writes a long integer in invariant form, or nothing when null.</summary>
    public void WriteInt64(string name, long? value)
    {
        if (value is { } v)
        {
            _xml.WriteElementString(name, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Writes a timestamp as <c>2026-11-24T02:39:32.123Z</c>, or nothing when null.</summary>
    public void WriteTimestamp(string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            _xml.WriteElementString(name, QueryTimestamps.Format(v));
        }
    }

    /// <summary>Writes <c>&lt;name&gt;…&lt;/name&gt;</c> with the members <paramref name="writeMembers"/> writes.</summary>
    public void WriteStructure(string name, Action<QueryXmlWriter> writeMembers)
    {
        ArgumentNullException.ThrowIfNull(writeMembers);
        _xml.WriteStartElement(name);
        writeMembers(this);
        _xml.WriteEndElement();
    }

    /// <summary>Opens an element; pair with <see cref="EndElement"/>. For code that cannot use a callback.</summary>
    public void StartElement(string name)
    {
        _xml.WriteStartElement(name);
        Unbalanced++;
    }

    /// <summary>Closes the innermost element opened with <see cref="StartElement"/>.</summary>
    /// <exception cref="InvalidOperationException">no element opened with <see cref="StartElement"/> is open.</exception>
    public void EndElement()
    {
        if (Unbalanced == 0)
        {
            throw new InvalidOperationException("EndElement without a matching StartElement");
        }

        _xml.WriteEndElement();
        Unbalanced--;
    }

    /// <summary>
    /// Writes a list: <c>&lt;name&gt;&lt;member&gt;…&lt;/member&gt;…&lt;/name&gt;</c>. IAM and STS name items
    /// <c>member</c>; Redshift uses the model's <c>locationName</c> (<c>Clusters</c>/<c>Cluster</c>,
    /// <c>Tags</c>/<c>Tag</c>) except where the model has none (<c>ClusterNodes</c>/<c>member</c>). An empty list
    /// writes <c>&lt;name /&gt;</c>.
    /// </summary>
    public void WriteList<T>(string name, IEnumerable<T> items, Action<QueryXmlWriter, T> writeItem, string itemName = "member")
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(writeItem);
        _xml.WriteStartElement(name);
        foreach (var item in items)
        {
            _xml.WriteStartElement(itemName);
            writeItem(this, item);
            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    /// <summary>Writes a list of strings, each as the text of one item element.</summary>
    public void WriteStringList(string name, IEnumerable<string> items, string itemName = "member")
    {
        ArgumentNullException.ThrowIfNull(items);
        _xml.WriteStartElement(name);
        foreach (var item in items)
        {
            _xml.WriteStartElement(itemName);
            _xml.WriteString(XmlText.Sanitize(item));
            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }

    /// <summary>Writes a string map as <c>&lt;entry&gt;&lt;key/&gt;&lt;value/&gt;&lt;/entry&gt;</c> items.</summary>
    public void WriteMap(string name, IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _xml.WriteStartElement(name);
        foreach (var (key, value) in entries)
        {
            _xml.WriteStartElement("entry");
            WriteString("key", key);
            WriteString("value", value);
            _xml.WriteEndElement();
        }

        _xml.WriteEndElement();
    }
}
