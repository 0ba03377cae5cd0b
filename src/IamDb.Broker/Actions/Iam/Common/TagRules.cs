using IamDb.Broker.State.Iam;

namespace IamDb.Broker.Actions.Iam;

/// <summary>IAM's tag rules beyond the model's patterns: unique keys (case-insensitive), no <c>aws:</c> keys, at most 50 per entity.</summary>
internal static class TagRules
{
    /// <summary>Checks the tags of one request.</summary>
    public static void CheckRequest(IReadOnlyList<Tag>? tags)
    {
        if (tags is null)
        {
            return;
        }

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in tags)
        {
            if (!keys.Add(tag.Key))
            {
                throw IamErrors.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }

            if (tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw IamErrors.InvalidInput($"Tag key {tag.Key} is not valid: keys starting with aws: are reserved for AWS use.");
            }
        }
    }

    /// <summary>
    /// The entity's tags after adding <paramref name="added"/>: a key that exists (in any case) takes the new value in
    /// place, new keys go last. More than 50 is AWS's LimitExceeded.
    /// </summary>
    public static IReadOnlyList<Tag> Merge(IReadOnlyList<Tag> existing, IReadOnlyList<Tag> added, string quota)
    {
        var merged = new List<Tag>(existing);
        foreach (var tag in added)
        {
            var i = merged.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.OrdinalIgnoreCase));
            if (i >= 0)
            {
                merged[i] = tag;
            }
            else
            {
                merged.Add(tag);
            }
        }

        if (merged.Count > IamParameters.MaxTags)
        {
            throw IamErrors.LimitExceeded($"Cannot exceed quota for {quota}: {IamParameters.MaxTags}.");
        }

        return merged;
    }

    /// <summary>The tags without the given keys (compared case-insensitively).</summary>
    public static IReadOnlyList<Tag> Remove(IReadOnlyList<Tag> existing, IReadOnlyList<string> keys) =>
        [.. existing.Where(t => !keys.Contains(t.Key, StringComparer.OrdinalIgnoreCase))];
}
