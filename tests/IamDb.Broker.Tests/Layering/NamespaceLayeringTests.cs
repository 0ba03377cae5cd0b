using System.Text.RegularExpressions;

namespace IamDb.Broker.Tests.Layering;

/// <summary>
/// The broker's layers, read from its source: <c>Hosting</c> composes everything and nothing imports it; actions use
/// authorization, never the reverse; and the namespaces under <c>IamDb.Broker</c> depend on each other without a cycle.
/// A namespace "uses" another when one of its files names it (a <c>using</c> directive or a qualified name).
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    private const string Root = "IamDb.Broker";

    private static readonly Lazy<IReadOnlyList<SourceFile>> Files = new(ReadSources);

    [Fact]
    public void OnlyHosting_UsesHosting()
    {
        var offenders = Files.Value
            .Where(f => Layer(f.Namespace) != "Hosting" && f.UsedLayers.Contains("Hosting"))
            .Select(f => f.Path)
            .ToList();

        Assert.True(offenders.Count == 0, "These files import IamDb.Broker.Hosting, the composition root: " + string.Join(", ", offenders));
    }

    [Fact]
    public void Authorization_DoesNotUseActions()
    {
        var offenders = Files.Value
            .Where(f => Layer(f.Namespace) == "Authorization" && f.UsedLayers.Contains("Actions"))
            .Select(f => f.Path)
            .ToList();

        Assert.True(offenders.Count == 0, "Authorization must not import Actions (actions use authorization): " + string.Join(", ", offenders));
    }

    [Fact]
    public void Layers_HaveNoCycle()
    {
        var edges = Files.Value
            .SelectMany(f => f.UsedLayers.Where(used => used != Layer(f.Namespace)).Select(used => (From: Layer(f.Namespace), To: used)))
            .Distinct()
            .ToLookup(e => e.From, e => e.To);

        var cycle = FindCycle(edges);

        Assert.True(cycle is null, "Namespaces under IamDb.Broker import each other in a cycle: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void Scan_SeesTheKnownLayers()
    {
        // Guards the scan itself: if the source moved, the tests above would pass on nothing.
        var layers = Files.Value.Select(f => Layer(f.Namespace)).ToHashSet();

        Assert.Superset(new HashSet<string> { "Actions", "Authorization", "Audit", "Hosting", "Pipeline", "Reaper", "Requests", "State" }, layers);
        Assert.Contains(Files.Value, f => Layer(f.Namespace) == "Hosting" && f.UsedLayers.Contains("Pipeline"));
    }

    private static List<string>? FindCycle(ILookup<string, string> edges)
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path; true: done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            if (state.TryGetValue(node, out var done))
            {
                return done ? null : [.. path.SkipWhile(n => n != node), node];
            }

            state[node] = false;
            path.Add(node);
            foreach (var next in edges[node])
            {
                if (Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }

        return edges.Select(g => g.Key).Select(Visit).FirstOrDefault(c => c is not null);
    }

    /// <summary>The first segment under <c>IamDb.Broker</c>: <c>Actions</c> for <c>IamDb.Broker.Actions.Iam.Users</c>.</summary>
    private static string Layer(string ns)
    {
        var rest = ns.Length > Root.Length ? ns[(Root.Length + 1)..] : string.Empty;
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static IReadOnlyList<SourceFile> ReadSources()
    {
        var source = Path.Combine(RepositoryRoot(), "src", "IamDb.Broker");
        var files = new List<SourceFile>();
        foreach (var path in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            if (path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(path);
            var ns = NamespaceDeclaration().Match(text);
            if (!ns.Success)
            {
                continue;
            }

            var used = QualifiedName().Matches(text).Select(m => Layer(m.Value)).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
            files.Add(new SourceFile(Path.GetRelativePath(source, path), ns.Groups[1].Value, used));
        }

        return files;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IamDb.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("IamDb.slnx not found above the test output directory.");
    }

    [GeneratedRegex(@"^namespace (IamDb\.Broker(?:\.\w+)*);", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\bIamDb\.Broker\.\w+")]
    private static partial Regex QualifiedName();

    private sealed record SourceFile(string Path, string Namespace, IReadOnlySet<string> UsedLayers);
}
