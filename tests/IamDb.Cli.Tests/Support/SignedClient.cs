using System.Net;
using System.Text;
using System.Xml.Linq;
using IamDb.Aws.Signing;

namespace IamDb.Cli.Tests.Support;

/// <summary>A SigV4-signing Query-protocol client over loopback, as the aws CLI sends requests (POST form bodies).</summary>
internal sealed class SignedClient(string endpoint) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = TimeSpan.FromSeconds(30) };

    public static SigningCredentials ReadProfile(string credentialsFile)
    {
        var lines = File.ReadAllLines(credentialsFile);
        string Value(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('=', 2)[1].Trim();
        return new SigningCredentials(Value("aws_access_key_id"), Value("aws_secret_access_key"));
    }

    public async Task<(HttpStatusCode Status, XElement Body)> CallAsync(
        string service, string action, SigningCredentials credentials, params (string Name, string Value)[] parameters)
    {
        var version = service switch { "sts" => "2011-06-15", "redshift" => "2012-12-01", _ => "2010-05-08" };
        var form = string.Join('&', new[] { ("Action", action), ("Version", version) }.Concat(parameters)
            .Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}"));
        var body = Encoding.UTF8.GetBytes(form);
        var uri = new Uri(endpoint + "/");
        var signature = SigV4Signer.SignHeaders(
            SigV4Request.FromUri("POST", uri, [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body),
            credentials,
            "us-east-1",
            service,
            DateTimeOffset.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        foreach (var (name, value) in signature.HeadersToAdd)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, XElement.Parse(text));
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Finds an element by local name anywhere in an AWS XML answer.</summary>
internal static class AwsXml
{
    public static string? Find(this XElement body, string name) => body.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
