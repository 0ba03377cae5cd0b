using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using IamDb.Policy.Compilation;
using IamDb.Policy.Parsing;
using ParsedKind = IamDb.Policy.Parsing.PolicyKind;

namespace IamDb.Broker.Authorization;

/// <summary>A stored document compiled, or why it could not be: then it must deny, never be skipped.</summary>
/// <param name="Policy">The compiled policy; null when the document does not parse or a statement does not compile.</param>
/// <param name="Problem">Why <paramref name="Policy"/> is null, for the audit record.</param>
internal sealed record CompiledEntry(CompiledPolicy? Policy, string? Problem);

/// <summary>
/// Parses and compiles policy documents once. Entries are keyed by role, name, ARN and a hash of the document, so a new
/// policy version or an edited inline policy is simply a new entry: nothing needs invalidating.
/// </summary>
internal sealed class CompiledPolicyCache
{
    private const int Capacity = 20_000;
    private readonly ConcurrentDictionary<Key, CompiledEntry> _entries = new();

    /// <summary>
    /// The compiled policy, or the reason it cannot be used: a stored document that no longer parses, or one with a
    /// statement that does not compile (skipping that statement could drop a Deny).
    /// </summary>
    public CompiledEntry Get(string document, ParsedKind parseAs, PolicyType role, string name, string? arn)
    {
        var key = new Key(role, name, arn, Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(document))));
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        var parsed = PolicyParser.Parse(document, parseAs);
        if (parsed.Document is not { } doc)
        {
            entry = new CompiledEntry(null, "the document no longer parses: " + (parsed.Errors.Count > 0 ? parsed.Errors[0].FullMessage : "syntax errors"));
        }
        else
        {
            var compiled = CompiledPolicy.Compile(doc, role, name, arn);
            entry = compiled.Errors.Count == 0
                ? new CompiledEntry(compiled, null)
                : new CompiledEntry(null, string.Create(
                    CultureInfo.InvariantCulture, $"statement {compiled.Errors[0].StatementIndex + 1} does not compile: {compiled.Errors[0].Message}"));
        }

        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        _entries[key] = entry;
        return entry;
    }

    private readonly record struct Key(PolicyType Role, string Name, string? Arn, string Hash);
}
