using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Telemetry;

/// <summary>
/// Formats one log entry as one UTF-8 line, straight into a per-thread buffer: the same fields and text as the .NET
/// console logger's JSON formatter and single-line simple formatter with the broker's settings (UTC timestamps with
/// milliseconds, no scopes), without their intermediate strings.
/// </summary>
internal sealed class LogLineFormatter(LogFormat format, bool colors = false)
{
    /// <summary>Timestamps as <c>2026-12-07T19:46:52.123Z</c>.</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    // A buffer grown past this by one large entry (an exception with a long stack) is not kept for the thread.
    private const int RetainedBufferSize = 64 * 1024;

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true, // the writer below always writes one well-formed object
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadJson;

    /// <summary>
    /// Formats an entry as one line ending with a line feed. The span is the calling thread's buffer: valid until the
    /// thread formats its next entry. <paramref name="message"/> is what the entry's formatter returned.
    /// </summary>
    public ReadOnlySpan<byte> Format<TState>(DateTime utcNow, LogLevel level, string category, EventId eventId, TState state, string? message, Exception? exception)
    {
        var buffer = _threadBuffer;
        if (buffer is null || buffer.Capacity > RetainedBufferSize)
        {
            buffer = _threadBuffer = new ArrayBufferWriter<byte>(1024);
        }
        else
        {
            buffer.ResetWrittenCount();
        }

        if (format == LogFormat.Json)
        {
            FormatJson(buffer, utcNow, level, category, eventId, state, message, exception);
        }
        else
        {
            FormatText(buffer, utcNow, level, category, eventId, message, exception);
        }

        buffer.GetSpan(1)[0] = (byte)'\n';
        buffer.Advance(1);
        return buffer.WrittenSpan;
    }

    private static void FormatJson<TState>(
        ArrayBufferWriter<byte> buffer, DateTime utcNow, LogLevel level, string category, EventId eventId, TState state, string? message, Exception? exception)
    {
        var json = _threadJson;
        if (json is null)
        {
            json = _threadJson = new Utf8JsonWriter(buffer, JsonOptions);
        }
        else
        {
            json.Reset(buffer);
        }

        Span<byte> timestamp = stackalloc byte[32];
        utcNow.TryFormat(timestamp, out var written, TimestampFormat, CultureInfo.InvariantCulture);
        json.WriteStartObject();
        json.WriteString("Timestamp"u8, timestamp[..written]);
        json.WriteNumber("EventId"u8, eventId.Id);
        json.WriteString("LogLevel"u8, JsonLevel(level));
        json.WriteString("Category"u8, category);
        json.WriteString("Message"u8, message);
        if (exception is not null)
        {
            json.WriteString("Exception"u8, exception.ToString());
        }

        object? boxed = state;
        if (boxed is not null)
        {
            json.WriteStartObject("State"u8);
            if (boxed is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                // A structured entry (LoggerMessage, LogInformation(...)): its fields; the message is already above.
                for (var i = 0; i < fields.Count; i++)
                {
                    WriteField(json, fields[i]);
                }
            }
            else if (boxed is IReadOnlyCollection<KeyValuePair<string, object?>> others)
            {
                foreach (var field in others)
                {
                    WriteField(json, field);
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.Flush();
    }

    // The value types the console logger's JSON formatter writes as JSON numbers and booleans; everything else as a string.
    private static void WriteField(Utf8JsonWriter json, KeyValuePair<string, object?> field)
    {
        var key = field.Key;
        switch (field.Value)
        {
            case bool value: json.WriteBoolean(key, value); break;
            case byte value: json.WriteNumber(key, value); break;
            case sbyte value: json.WriteNumber(key, value); break;
            case char value: json.WriteString(key, value.ToString()); break;
            case decimal value: json.WriteNumber(key, value); break;
            case double value: json.WriteNumber(key, value); break;
            case float value: json.WriteNumber(key, value); break;
            case int value: json.WriteNumber(key, value); break;
            case uint value: json.WriteNumber(key, value); break;
            case long value: json.WriteNumber(key, value); break;
            case ulong value: json.WriteNumber(key, value); break;
            case short value: json.WriteNumber(key, value); break;
            case ushort value: json.WriteNumber(key, value); break;
            case null: json.WriteNull(key); break;
            default: json.WriteString(key, Convert.ToString(field.Value, CultureInfo.InvariantCulture)); break;
        }
    }

    private void FormatText(ArrayBufferWriter<byte> buffer, DateTime utcNow, LogLevel level, string category, EventId eventId, string? message, Exception? exception)
    {
        var span = buffer.GetSpan(64);
        utcNow.TryFormat(span, out var written, TimestampFormat, CultureInfo.InvariantCulture);
        span[written++] = (byte)' ';
        buffer.Advance(written);
        if (colors)
        {
            Append(buffer, LevelBackground(level));
            Append(buffer, LevelForeground(level));
            Append(buffer, TextLevel(level));
            Append(buffer, "\e[39m\e[22m\e[49m"u8);
        }
        else
        {
            Append(buffer, TextLevel(level));
        }

        Append(buffer, ": "u8);
        AppendUtf8(buffer, category);
        span = buffer.GetSpan(16);
        span[0] = (byte)'[';
        eventId.Id.TryFormat(span[1..], out written, default, CultureInfo.InvariantCulture);
        span[written + 1] = (byte)']';
        buffer.Advance(written + 2);
        AppendMessage(buffer, message);
        if (exception is not null)
        {
            AppendMessage(buffer, exception.ToString());
        }
    }

    // One line: each line break inside a message becomes a space, as the single-line console formatter does.
    private static void AppendMessage(ArrayBufferWriter<byte> buffer, string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return;
        }

        Append(buffer, " "u8);
        var rest = message.AsSpan();
        var newLine = Environment.NewLine.AsSpan();
        int at;
        while ((at = rest.IndexOf(newLine)) >= 0)
        {
            AppendUtf8(buffer, rest[..at]);
            Append(buffer, " "u8);
            rest = rest[(at + newLine.Length)..];
        }

        AppendUtf8(buffer, rest);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

    private static void AppendUtf8(ArrayBufferWriter<byte> buffer, ReadOnlySpan<char> text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static ReadOnlySpan<byte> TextLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce"u8,
        LogLevel.Debug => "dbug"u8,
        LogLevel.Information => "info"u8,
        LogLevel.Warning => "warn"u8,
        LogLevel.Error => "fail"u8,
        _ => "crit"u8,
    };

    private static string JsonLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        _ => "Critical",
    };

    // The console formatter's level colours, as ANSI escapes (used only when standard error is a terminal).
    private static ReadOnlySpan<byte> LevelForeground(LogLevel level) => level switch
    {
        LogLevel.Information => "\e[32m"u8,
        LogLevel.Warning => "\e[1m\e[33m"u8,
        LogLevel.Error => "\e[30m"u8,
        LogLevel.Critical => "\e[1m\e[37m"u8,
        _ => "\e[37m"u8,
    };

    private static ReadOnlySpan<byte> LevelBackground(LogLevel level) => level is LogLevel.Error or LogLevel.Critical ? "\e[41m"u8 : "\e[40m"u8;
}
