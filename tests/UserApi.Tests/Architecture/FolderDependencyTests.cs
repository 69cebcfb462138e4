using System.Text.RegularExpressions;

namespace UserApi.Tests.Architecture;

/// <summary>
/// The service's folders (one namespace each) depend on each other without circles, and nothing imports
/// <c>Hosting</c>, the composition root: a folder can be read, tested and changed from the ones below it.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string SourceRoot = FindSourceRoot();

    [Fact]
    public void TheFoldersDependOnEachOtherWithoutCircles()
    {
        var graph = Dependencies();
        var cycle = graph.Keys.Select(folder => CycleThrough(graph, folder)).FirstOrDefault(c => c is not null);
        Assert.True(cycle is null, $"Folders import each other in a circle: {string.Join(" -> ", cycle ?? [])}\n{Describe(graph)}");
    }

    [Fact]
    public void NoFolderImportsHosting()
    {
        var graph = Dependencies();
        var importers = graph.Where(kv => kv.Key != "Hosting" && kv.Value.Contains("Hosting")).Select(kv => kv.Key).ToList();
        Assert.True(importers.Count == 0, $"Hosting is the composition root, yet imported by: {string.Join(", ", importers)}");
    }

    [Fact]
    public void TheScanSeesTheKnownDependencies()
    {
        // Guards the scan itself: a pattern that matched nothing would pass the tests above vacuously.
        var graph = Dependencies();
        Assert.Contains("Endpoints", graph["Hosting"]);
        Assert.Contains("Tokens", graph["Accounts"]);
        Assert.Contains("Authentication", graph["Endpoints"]);
    }

    /// <summary>Each folder's imports of the others: <c>using UserApi.X</c> and qualified <c>X.Type</c> references outside comments and strings.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var folders = Directory.GetDirectories(SourceRoot).Select(Path.GetFileName).OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties")).ToList();
        var names = string.Join('|', folders);
        var imported = new Regex($@"\bUserApi\.({names})\b|(?<![\w.])({names})\.[A-Z]\w*");
        var graph = folders.ToDictionary(f => f, _ => new HashSet<string>());
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(SourceRoot, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (var raw in File.ReadLines(file))
                {
                    var line = StringLiteral().Replace(raw.Trim(), "\"\"");
                    if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("namespace", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    foreach (Match match in imported.Matches(line))
                    {
                        var target = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                        if (target != folder)
                        {
                            graph[folder].Add(target);
                        }
                    }
                }
            }
        }
        return graph;
    }

    private static List<string>? CycleThrough(Dictionary<string, HashSet<string>> graph, string start)
    {
        var path = new Stack<string>();
        var seen = new HashSet<string>();
        bool Visit(string folder)
        {
            path.Push(folder);
            foreach (var next in graph[folder])
            {
                if (next == start || (seen.Add(next) && Visit(next)))
                {
                    if (next == start)
                    {
                        path.Push(start);
                    }
                    return true;
                }
            }
            path.Pop();
            return false;
        }
        return Visit(start) ? [.. path.Reverse()] : null;
    }

    private static string Describe(Dictionary<string, HashSet<string>> graph) =>
        string.Join('\n', graph.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} -> {string.Join(", ", kv.Value.Order())}"));

    private static string FindSourceRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UserApi.slnx")))
            {
                return Path.Combine(directory.FullName, "src", "UserApi");
            }
        }
        throw new InvalidOperationException($"No UserApi.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();
}
