using System.Buffers;
using IamDb.Aws.Errors;
using Microsoft.AspNetCore.Http;

namespace IamDb.Broker.Pipeline;

/// <summary>Stage 1: reads the whole body, refusing more than the configured limit before buffering it.</summary>
internal static class RequestBodyReader
{
    public static async ValueTask<(ReadOnlyMemory<byte> Body, AwsError? Error)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var body = request.Body;
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

            // The declared length is the whole body (the server never delivers more): one array of exactly that size.
            var exact = new byte[declared];
            var filled = 0;
            while (filled < exact.Length)
            {
                var (read, error) = await ReadSomeAsync(body, exact.AsMemory(filled), ct);
                if (error is not null)
                {
                    return (default, error);
                }

                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return (exact.AsMemory(0, filled), null);
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var (read, error) = await ReadSomeAsync(body, buffer.GetMemory(4096), ct);
            if (error is not null)
            {
                return (default, error);
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

    private static async ValueTask<(int Read, AwsError? Error)> ReadSomeAsync(Stream body, Memory<byte> into, CancellationToken ct)
    {
        try
        {
            return (await body.ReadAsync(into, ct), null);
        }
        catch (Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            return (0, BrokerErrors.BodyIncomplete);
        }
        catch (BadHttpRequestException)
        {
            return (0, BrokerErrors.BodyIncomplete);
        }
    }
}
