using System.Net;
using System.Xml.Linq;

namespace IamDb.Client.Query;

/// <summary>A successful Query-protocol answer.</summary>
public sealed class AwsQueryResponse
{
    internal AwsQueryResponse(string action, XElement? result, string? requestId, HttpStatusCode statusCode, DateTimeOffset? serverDate)
    {
        Action = action;
        Result = result;
        RequestId = requestId;
        StatusCode = statusCode;
        ServerDate = serverDate;
    }

    /// <summary>The action answered.</summary>
    public string Action { get; }

    /// <summary>
    /// The <c>{Action}Result</c> element, or null for actions without output (e.g. <c>AttachUserPolicy</c>). Read it with
    /// <see cref="QueryXml"/>'s namespace-agnostic helpers.
    /// </summary>
    public XElement? Result { get; }

    /// <summary>The request id from <c>ResponseMetadata</c> or the <c>x-amzn-RequestId</c> header.</summary>
    public string? RequestId { get; }

    /// <summary>The HTTP status (200).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's clock from the <c>Date</c> header, when sent (one-second resolution).</summary>
    public DateTimeOffset? ServerDate { get; }
}

/// <summary>Namespace-agnostic readers for Query-protocol XML (element names are matched by local name).</summary>
public static class QueryXml
{
    /// <summary>The first child element named <paramref name="localName"/>, or null.</summary>
    public static XElement? Child(this XElement? element, string localName)
    {
        if (element is null)
        {
            return null;
        }

        foreach (var child in element.Elements())
        {
            if (child.Name.LocalName == localName)
            {
                return child;
            }
        }

        return null;
    }

    /// <summary>The text of the element at <paramref name="path"/> (child names), or null when any step is missing.</summary>
    public static string? Text(this XElement? element, params ReadOnlySpan<string> path)
    {
        var current = element;
        foreach (var name in path)
        {
            current = current.Child(name);
        }

        return current?.Value;
    }

    /// <summary>The child elements of the list element <paramref name="listName"/> (its members, whatever their name).</summary>
    public static IEnumerable<XElement> Members(this XElement? element, string listName) =>
        element.Child(listName)?.Elements() ?? [];
}
