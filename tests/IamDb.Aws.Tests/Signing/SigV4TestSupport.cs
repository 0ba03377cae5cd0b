
using IamDb.Aws.Signing;
using Microsoft.Extensions.Time.Testing;

namespace IamDb.Aws.Tests.Signing;

/// <summary>The test suite's fixed credentials and time.</summary>
internal static class SuiteConstants
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public static readonly DateTimeOffset Time = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock() => new(Time);

    public static SigV4Verifier Verifier(SigV4VerifierOptions? options = null) =>
        new(new InMemorySecretSource().Add(AccessKeyId, SecretAccessKey), Clock(), options);
}

/// <summary>A raw HTTP/1.1 request as the vector files write it.</summary>
internal sealed record ParsedHttpRequest(string Method, string RawTarget, List<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string Path => RawTarget.Split('?', 2)[0];

    public string Query => RawTarget.Contains('?') ? RawTarget.Split('?', 2)[1] : "";

    public string Host => Headers.First(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value;

    public SigV4ReceivedRequest ToReceived() => new(Method, RawTarget, Headers, Body);

    public SigV4Request ToSigningRequest(Func<string, bool>? keepHeader = null) =>
        new(Method, Host, Path, Query, Headers.Where(h => keepHeader?.Invoke(h.Key) ?? true).ToList(), Body);

    /// <summary>
    /// Parses the request line, headers (a line starting with whitespace continues the previous value, kept with its
    /// line break: obsolete folding, which the canonicaliser collapses) and the body after the first empty line.
    /// </summary>
    public static ParsedHttpRequest Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var requestLine = lines[0];
        var firstSpace = requestLine.IndexOf(' ', StringComparison.Ordinal);
        var version = requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal);
        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..version];
        var headers = new List<KeyValuePair<string, string>>();
        var i = 1;
        for (; i < lines.Length && lines[i].Length > 0; i++)
        {
            var line = lines[i];
            if (line[0] is ' ' or '\t')
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + "\n" + line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..].TrimStart(' ')));
        }

        var body = i + 1 < lines.Length ? string.Join("\n", lines[(i + 1)..]) : "";
        return new ParsedHttpRequest(method, target, headers, System.Text.Encoding.UTF8.GetBytes(body));
    }

    public static ParsedHttpRequest Load(string path) => Parse(File.ReadAllText(path, System.Text.Encoding.UTF8));
}

/// <summary>A key table for tests: access key → secret, optional session token, stamp, expiry.</summary>
internal sealed class InMemorySecretSource : ISigningSecretSource
{
    private readonly Dictionary<string, Entry> _keys = new(StringComparer.Ordinal);

    public int Lookups { get; private set; }

    /// <summary>Adds a key. A null <paramref name="sessionToken"/> accepts any token (the vectors' tokens are all "valid").</summary>
    public InMemorySecretSource Add(string accessKeyId, string secret, string? sessionToken = null, long stamp = 1, bool expired = false)
    {
        _keys[accessKeyId] = new Entry(secret, sessionToken, stamp, expired);
        return this;
    }

    public ValueTask<SigningSecretLookup> FindAsync(string accessKeyId, string? sessionToken, CancellationToken cancellationToken)
    {
        Lookups++;
        if (!_keys.TryGetValue(accessKeyId, out var entry))
        {
            return ValueTask.FromResult(SigningSecretLookup.UnknownAccessKey);
        }

        if (entry.SessionToken is not null && entry.SessionToken != sessionToken)
        {
            return ValueTask.FromResult(SigningSecretLookup.InvalidSessionToken);
        }

        return ValueTask.FromResult(entry.Expired
            ? SigningSecretLookup.ExpiredSessionToken
            : SigningSecretLookup.Found(entry.Secret, entry.Stamp, context: accessKeyId));
    }

    private sealed record Entry(string Secret, string? SessionToken, long Stamp, bool Expired);
}
