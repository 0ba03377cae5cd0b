using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using IamDb.Aws.Signing;
using IamDb.Cli.Output;
using IamDb.Cli.Tests.Support;

namespace IamDb.Cli.Tests.Commands.Up;

/// <summary>
/// The broker as a real process (<c>iamdb up</c>) killed with SIGKILL in the middle of a burst of IAM writes: after a
/// restart on the same data directory every write that was acknowledged (HTTP 200) is there, and so is its audit record.
/// </summary>
public sealed class UpCrashDurabilityTests
{
    private const int Users = 150;
    private const int Workers = 12;
    private const int KillAfterAcknowledged = 60;

    [Fact]
    public async Task KillDashNine_DuringAWriteBurst_LosesNoAcknowledgedWrite()
    {
        var dir = Directory.CreateTempSubdirectory("iamdb-kill9-").FullName;
        try
        {
            var acknowledgedUsers = new ConcurrentBag<string>();
            var acknowledgedKeys = new ConcurrentBag<(string User, SigningCredentials Key)>();
            var acknowledgedRequests = new ConcurrentBag<string>();

            await using (var broker = await BrokerProcess.StartAsync(dir))
            {
                var root = SignedClient.ReadProfile(Path.Combine(dir, "credentials"));
                using var client = new SignedClient(broker.Endpoint);
                var queue = new ConcurrentQueue<int>(Enumerable.Range(0, Users));
                var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));

                void Acknowledged(string requestId)
                {
                    acknowledgedRequests.Add(requestId);
                    if (acknowledgedRequests.Count >= KillAfterAcknowledged)
                    {
                        killed.TrySetResult();
                    }
                }

                async Task WorkAsync()
                {
                    while (!bound.IsCancellationRequested && queue.TryDequeue(out var i))
                    {
                        var name = $"burst-{i:D3}";
                        try
                        {
                            var user = await client.CallAsync("iam", "CreateUser", root, ("UserName", name));
                            if (user.Status != HttpStatusCode.OK)
                            {
                                continue;
                            }

                            acknowledgedUsers.Add(name);
                            Acknowledged(user.Body.Find("RequestId")!);
                            var key = await client.CallAsync("iam", "CreateAccessKey", root, ("UserName", name));
                            if (key.Status != HttpStatusCode.OK)
                            {
                                continue;
                            }

                            acknowledgedKeys.Add((name, new SigningCredentials(key.Body.Find("AccessKeyId")!, key.Body.Find("SecretAccessKey")!)));
                            Acknowledged(key.Body.Find("RequestId")!);
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Xml.XmlException)
                        {
                            // The broker died under this request: it was never acknowledged.
                        }
                    }
                }

                var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(WorkAsync)).ToList();
                await Task.WhenAny(killed.Task, Task.WhenAll(workers), Task.Delay(Timeout.Infinite, bound.Token));
                await broker.KillHardAsync();
                await Task.WhenAll(workers);
            }

            // The kill landed mid-burst: some writes were acknowledged, and not all of the 2 x Users planned.
            Assert.InRange(acknowledgedRequests.Count, KillAfterAcknowledged, (2 * Users) - 1);

            await using var restarted = await BrokerProcess.StartAsync(dir);
            var rootAgain = SignedClient.ReadProfile(Path.Combine(dir, "credentials"));
            using var after = new SignedClient(restarted.Endpoint);
            var list = await after.CallAsync("iam", "ListUsers", rootAgain, ("MaxItems", "1000"));
            var present = list.Body.Descendants().Where(e => e.Name.LocalName == "UserName").Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
            Assert.Empty(acknowledgedUsers.Except(present, StringComparer.Ordinal));
            foreach (var (user, key) in acknowledgedKeys)
            {
                var identity = await after.CallAsync("sts", "GetCallerIdentity", key);
                Assert.Equal(HttpStatusCode.OK, identity.Status);
                Assert.EndsWith($":user/{user}", identity.Body.Find("Arn"), StringComparison.Ordinal);
            }

            var (exitCode, stdout, stderr) = await IamdbProcess.RunAsync(["audit", "--data-dir", dir, "--since", "1h", "--limit", "5000", "--output", "json"]);
            Assert.True(exitCode == ExitCodes.Ok, stderr);
            using var audit = JsonDocument.Parse(stdout);
            var audited = audit.RootElement.GetProperty("Records").EnumerateArray()
                .Where(r => !r.TryGetProperty("errorCode", out _))
                .Select(r => r.GetProperty("requestID").GetString()!)
                .ToHashSet(StringComparer.Ordinal);
            Assert.Empty(acknowledgedRequests.Except(audited, StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
