using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace IamDb.Broker.State.Audit;

/// <summary>Writes and reads an <see cref="AuditRecord"/> as a CloudTrail event (camelCase, ISO-8601 UTC times).</summary>
internal static class AuditJson
{
    // Every request serializes one record; a per-thread buffer and writer keep that allocation-free apart from the string.
    private const int MaxRetainedBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    public static string Write(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(2048);
        var json = _threadWriter ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        try
        {
            json.WriteStartObject();
            json.WriteString("eventVersion", "1.08");
            json.WriteStartObject("userIdentity");
            json.WriteString("type", record.UserIdentity.Type);
            WriteOptional(json, "principalId", record.UserIdentity.PrincipalId);
            WriteOptional(json, "arn", record.UserIdentity.Arn);
            WriteOptional(json, "accountId", record.UserIdentity.AccountId);
            WriteOptional(json, "accessKeyId", record.UserIdentity.AccessKeyId);
            WriteOptional(json, "userName", record.UserIdentity.UserName);
            json.WriteEndObject();
            Span<char> time = stackalloc char[32];
            StoreTime.Normalize(record.EventTime).UtcDateTime.TryFormat(time, out var timeLength, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            json.WriteString("eventTime", time[..timeLength]);
            json.WriteString("eventSource", record.EventSource);
            json.WriteString("eventName", record.EventName);
            json.WriteString("awsRegion", record.AwsRegion);
            json.WriteString("sourceIPAddress", record.SourceIpAddress);
            WriteOptional(json, "userAgent", record.UserAgent);
            WriteOptional(json, "errorCode", record.ErrorCode);
            WriteOptional(json, "errorMessage", record.ErrorMessage);
            WriteElement(json, "requestParameters", record.RequestParameters);
            WriteElement(json, "responseElements", record.ResponseElements);
            json.WriteString("requestID", record.RequestId);
            json.WriteString("eventID", record.EventId);
            json.WriteString("eventType", "AwsApiCall");
            WriteOptional(json, "recipientAccountId", record.RecipientAccountId);
            if (record.DecisionTrace is { } trace)
            {
                json.WriteStartObject("additionalEventData");
                json.WritePropertyName("decisionTrace");
                trace.WriteTo(json);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.Flush();
            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity > MaxRetainedBuffer)
            {
                // Keep the thread's buffer small after an unusually large record (a long policy document).
                _threadBuffer = null;
                _threadWriter = null;
            }
        }
    }

    public static AuditRecord Read(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var identity = root.GetProperty("userIdentity");
        return new AuditRecord(
            root.GetProperty("eventID").GetString()!,
            DateTimeOffset.Parse(root.GetProperty("eventTime").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            root.GetProperty("eventSource").GetString()!,
            root.GetProperty("eventName").GetString()!,
            root.GetProperty("awsRegion").GetString()!,
            root.GetProperty("sourceIPAddress").GetString()!,
            root.GetProperty("requestID").GetString()!,
            new AuditIdentity(identity.GetProperty("type").GetString()!)
            {
                PrincipalId = Optional(identity, "principalId"),
                Arn = Optional(identity, "arn"),
                AccountId = Optional(identity, "accountId"),
                AccessKeyId = Optional(identity, "accessKeyId"),
                UserName = Optional(identity, "userName"),
            })
        {
            UserAgent = Optional(root, "userAgent"),
            ErrorCode = Optional(root, "errorCode"),
            ErrorMessage = Optional(root, "errorMessage"),
            RecipientAccountId = Optional(root, "recipientAccountId"),
            RequestParameters = OptionalElement(root, "requestParameters"),
            ResponseElements = OptionalElement(root, "responseElements"),
            DecisionTrace = root.TryGetProperty("additionalEventData", out var extra) ? OptionalElement(extra, "decisionTrace") : null,
        };
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteElement(Utf8JsonWriter json, string name, JsonElement? value)
    {
        json.WritePropertyName(name);
        if (value is { } element)
        {
            element.WriteTo(json);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? OptionalElement(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;
}
