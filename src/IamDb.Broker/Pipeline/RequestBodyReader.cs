using System.Buffers;
using IamDb.Aws.Errors;
using Microsoft.AspNetCore.Http;

namespace IamDb.Broker.Pipeline;

/// <summary>Stage 1: reads the whole body, refusing more than the configured limit before buffering it.</summary>
internal static class RequestBodyReader
{
    public static async ValueTask<(ReadOnlyMemory<byte> Body, AwsError? Error)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength is { } declared)
        {
            if (declared > limit)
            {
                return (default, BrokerErrors.BodyTooLarge(limit));
            }

            if (declared == 0)
            {
                return (ReadOnlyMemory<byte>.Empty, null);
            }
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, limit));
        var body = request.Body;
        while (true)
        {
            var span = buffer.GetMemory(4096);
            int read;
            try
            {
                read = await body.ReadAsync(span, ct);
            }
            catch (Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                return (default, BrokerErrors.BodyIncomplete);
            }
            catch (BadHttpRequestException)
            {
                return (default, BrokerErrors.BodyIncomplete);
            }

            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return (default, BrokerErrors.BodyTooLarge(limit));
            }
        }

        return (buffer.WrittenMemory, null);
    }
}
