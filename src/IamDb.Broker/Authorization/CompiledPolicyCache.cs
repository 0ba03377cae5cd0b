using System.Collections.Concurrent;
using System.Security.Cryptography;
using IamDb.Policy.Compilation;
using IamDb.Policy.Parsing;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>
/// Parses and compiles policy documents once. Entries are keyed by role, name, ARN and a hash of the document, so a new
/// policy version or an edited inline policy is simply a new entry: nothing needs invalidating.
/// </summary>
internal sealed class CompiledPolicyCache
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<Key, CompiledPolicy?> _entries = new();

    /// <summary>The compiled policy, or null when the stored document no longer parses (it is then skipped).</summary>
    public CompiledPolicy? Get(string document, ParsedKind parseAs, PolicyType role, string name, string? arn)
    {
        var key = new Key(role, name, arn, Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(document))));
        if (_entries.TryGetValue(key, out var compiled))
        {
            return compiled;
        }

        var parsed = PolicyParser.Parse(document, parseAs);
        compiled = parsed.Document is { } doc ? CompiledPolicy.Compile(doc, role, name, arn) : null;
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[key] = compiled;
        return compiled;
    }

    private readonly record struct Key(PolicyType Role, string Name, string? Arn, string Hash);
}
