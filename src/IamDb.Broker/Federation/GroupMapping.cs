namespace IamDb.Broker.Federation;

/// <summary>
/// IamDb's extension that turns what identity providers send (a <c>groups</c> claim, a SAML group attribute) into session
/// tags such as <c>RedshiftDbGroups</c>, configured per provider through its IAM tags so it stays inside the AWS API:
/// <list type="bullet">
/// <item><c>iamdb:map/&lt;claim or attribute&gt;</c> = the session tag to fill, e.g. <c>iamdb:map/groups</c> =
/// <c>RedshiftDbGroups</c>.</item>
/// <item><c>iamdb:map-filter/&lt;claim or attribute&gt;</c> (optional) = a comma-separated list of allowed values, where
/// an item ending in <c>*</c> allows every value with that prefix: <c>db_*</c>, <c>analysts,etl</c>,
/// <c>db_*,analysts</c>. Without a filter every value passes.</item>
/// </list>
/// Pure: the caller hands in the provider's tags and the verified token's claims (or assertion's attributes). Mapped
/// groups are only a request: they still pass the group rules that apply to every session (a federated session never
/// joins a privileged group).
/// </summary>
internal static class GroupMapping
{
    /// <summary>The prefix of a mapping tag's key.</summary>
    public const string MapPrefix = "iamdb:map/";

    /// <summary>The prefix of a filter tag's key.</summary>
    public const string FilterPrefix = "iamdb:map-filter/";

    /// <summary>
    /// The session tags the provider's mapping yields for these claims: target tag key → values in first-seen order,
    /// duplicates dropped. A target fed by several claims gets all their values. Values that are empty, contain a colon
    /// (the separator of <c>RedshiftDbGroups</c>) or are not allowed by the claim's filter are dropped; a target left with
    /// no value is absent. Nothing is mapped when the provider has no <c>iamdb:map/</c> tag.
    /// </summary>
    /// <param name="providerTags">The provider's tags (key, value).</param>
    /// <param name="claims">Claim or attribute name (exact, case-sensitive) → its values.</param>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Map(
        IEnumerable<KeyValuePair<string, string>> providerTags, IReadOnlyDictionary<string, IReadOnlyList<string>> claims)
    {
        ArgumentNullException.ThrowIfNull(providerTags);
        ArgumentNullException.ThrowIfNull(claims);
        var tags = providerTags.ToList();
        var filters = new Dictionary<string, ValueFilter>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            if (key.StartsWith(FilterPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > FilterPrefix.Length)
            {
                filters[key[FilterPrefix.Length..]] = ValueFilter.Parse(value);
            }
        }

        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (key, target) in tags)
        {
            if (!key.StartsWith(MapPrefix, StringComparison.OrdinalIgnoreCase) || key.Length == MapPrefix.Length || target.Trim().Length == 0)
            {
                continue;
            }

            var claim = key[MapPrefix.Length..];
            if (!claims.TryGetValue(claim, out var values))
            {
                continue;
            }

            var filter = filters.GetValueOrDefault(claim);
            var targetKey = target.Trim();
            foreach (var value in values)
            {
                var v = value.Trim();
                if (v.Length == 0 || v.Contains(':', StringComparison.Ordinal) || (filter is not null && !filter.Allows(v)))
                {
                    continue;
                }

                if (!result.TryGetValue(targetKey, out var list))
                {
                    result[targetKey] = list = [];
                }

                if (!list.Contains(v, StringComparer.Ordinal))
                {
                    list.Add(v);
                }
            }
        }

        return result.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value, StringComparer.Ordinal);
    }

    /// <summary>The values of one mapped tag as one session tag value, colon-separated as <c>RedshiftDbGroups</c> is.</summary>
    public static string Join(IReadOnlyList<string> values) => string.Join(':', values);

    /// <summary>Allowed values: exact names and prefixes (items ending in <c>*</c>).</summary>
    private sealed class ValueFilter(HashSet<string> exact, List<string> prefixes)
    {
        public static ValueFilter Parse(string text)
        {
            var exact = new HashSet<string>(StringComparer.Ordinal);
            var prefixes = new List<string>();
            foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (item.EndsWith('*'))
                {
                    prefixes.Add(item[..^1]);
                }
                else
                {
                    exact.Add(item);
                }
            }

            // A filter tag with nothing usable in it allows nothing: a typo must not open the mapping up.
            return new ValueFilter(exact, prefixes);
        }

        public bool Allows(string value) =>
            exact.Contains(value) || prefixes.Exists(p => value.StartsWith(p, StringComparison.Ordinal));
    }
}
