namespace IamDb.Policy.Linting;

/// <summary>
/// The actions of the services IamDb serves (iam, sts, redshift) plus IamDb's own, for spotting typos and
/// wildcards that match nothing. API operations come from the botocore models (the generated part);
/// permission-only actions, which have no API operation, are listed by hand below.
/// </summary>
internal static partial class ActionCatalog
{
    /// <summary>Actions that exist only as permissions (checked by another operation, never called directly).</summary>
    private static readonly string[] PermissionOnlyActions =
    [
        "iam:PassRole",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
        "redshift:CreateClusterUser",
        "redshift:JoinGroup",
        "redshift:ExecuteQuery",
        "redshift:FetchResults",
        "redshift:CancelQuery",
        "redshift:ListDatabases",
        "redshift:ListSchemas",
        "redshift:ListTables",
        "redshift:ViewQueriesInConsole",
        "redshift:ViewQueriesFromConsole",
    ];

    /// <summary>
    /// EXTENSION POINT — IamDb's own actions (not AWS's). Add new broker features here so policies that grant
    /// them lint clean.
    /// </summary>
    private static readonly string[] IamDbActions =
    [
        "iamdb:RegisterCluster",
        "iamdb:UpdateCluster",
        "iamdb:DeregisterCluster",
        "iamdb:DescribeAudit",
        "iamdb:RevokeCredentials",
        "iamdb:TestCluster",
        "iamdb:DisableClusterPasswords",
        "iamdb:RevokeClusterCredentials",
        "iamdb:DescribeClusterCredentials",
    ];

    // Built on first use, after every static array of both partial files is initialized.
    private static Dictionary<string, HashSet<string>> ByService => Catalog.Map;

    /// <summary>True when IamDb knows the service's actions (so unknown names there are worth a finding).</summary>
    public static bool IsKnownService(string service) => ByService.ContainsKey(service);

    /// <summary>True when <paramref name="action"/> (<c>service:Name</c>, case-insensitive) exists.</summary>
    public static bool Contains(string action)
    {
        var colon = action.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && ByService.TryGetValue(action[..colon], out var names) && names.Contains(action[(colon + 1)..]);
    }

    /// <summary>All known actions as <c>service:Name</c>.</summary>
    public static IEnumerable<string> All => ByService.SelectMany(s => s.Value.Select(n => $"{s.Key}:{n}"));

    /// <summary>True when the pattern (with wildcards) matches at least one known action of its service.</summary>
    public static bool MatchesAny(string pattern)
    {
        var colon = pattern.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !ByService.TryGetValue(pattern[..colon], out var names))
        {
            return true;
        }

        var namePattern = pattern[(colon + 1)..];
        return names.Any(n => WildcardPattern.Matches(namePattern, n, ignoreCase: true));
    }

    private static Dictionary<string, HashSet<string>> Build()
    {
        var map = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        void Add(string service, IEnumerable<string> names)
        {
            if (!map.TryGetValue(service, out var set))
            {
                map[service] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            }

            set.UnionWith(names);
        }

        Add("iam", IamOperations);
        Add("sts", StsOperations);
        Add("redshift", RedshiftOperations);
        foreach (var action in PermissionOnlyActions.Concat(IamDbActions))
        {
            var colon = action.IndexOf(':', StringComparison.Ordinal);
            Add(action[..colon], [action[(colon + 1)..]]);
        }

        return map;
    }

    private static class Catalog
    {
        public static readonly Dictionary<string, HashSet<string>> Map = Build();
    }
}
