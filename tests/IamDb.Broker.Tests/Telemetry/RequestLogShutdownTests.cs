using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Broker.Hosting;
using IamDb.Broker.Telemetry;
using Microsoft.Extensions.Logging;

namespace IamDb.Broker.Tests.Telemetry;

/// <summary>
/// A real broker (loopback HTTP, SQLite store) with the batched JSON request log: after a burst of signed requests and a
/// graceful stop, every answered request has its line, and the stopped line (event 1003) is the last line written.
/// </summary>
public sealed class RequestLogShutdownTests
{
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Action=GetCallerIdentity&Version=2011-06-15");

    [Fact]
    public async Task Stop_WritesEveryRequestLine_AndTheStoppedLineLast()
    {
        var output = new MemoryStream();
        var directory = Directory.CreateTempSubdirectory("iamdb-log-").FullName;
        try
        {
            var options = new BrokerOptions
            {
                DataDirectory = directory,
                MasterKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 3)).ToArray()),
                ThrottleRatePerSecond = 1_000_000,
                ThrottleBurst = 1_000_000,
            };

            // A batch delay far longer than the test: whatever the writer has not written by the stop, only the flush on
            // dispose can write.
            var host = await BrokerHost.StartAsync(
                options,
                logging => logging.AddBrokerLog(LogFormat.Json, LogLevel.Information, () => output, batchDelay: TimeSpan.FromMinutes(10)),
                TestContext.Current.CancellationToken);
            var answered = new ConcurrentBag<string>();
            await using (host)
            {
                var credentials = ReadCredentials(host.CredentialsFilePath);
                using var http = new HttpClient();
                var uri = new Uri(host.EndpointUrl + "/");
                await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
                {
                    for (var i = 0; i < 40; i++)
                    {
                        var signature = SigV4Signer.SignHeaders(SigV4Request.FromUri("POST", uri, [], Body), credentials, "us-east-1", "sts", DateTimeOffset.UtcNow);
                        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Body) };
                        foreach (var (name, value) in signature.HeadersToAdd)
                        {
                            request.Headers.TryAddWithoutValidation(name, value);
                        }

                        using var response = await http.SendAsync(request);
                        Assert.True(response.IsSuccessStatusCode, $"GetCallerIdentity answered {(int)response.StatusCode}");
                        answered.Add(response.Headers.GetValues("x-amzn-RequestId").Single());
                    }
                }));
                await host.StopAsync(TestContext.Current.CancellationToken);
            }

            var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var logged = entries
                .Where(e => e.GetProperty("Category").GetString() == RequestTelemetryMiddleware.LogCategory)
                .Select(e => e.GetProperty("State").GetProperty("RequestId").GetString())
                .ToList();
            Assert.Equal(320, answered.Count);
            Assert.Equal(answered.Order(StringComparer.Ordinal), logged.Order(StringComparer.Ordinal));
            Assert.Equal(1003, entries[^1].GetProperty("EventId").GetInt32());
            Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 1001);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static SigningCredentials ReadCredentials(string path)
    {
        var lines = File.ReadAllLines(path);
        string Value(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('=', 2)[1].Trim();
        return new SigningCredentials(Value("aws_access_key_id"), Value("aws_secret_access_key"));
    }
}
