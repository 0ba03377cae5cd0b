using System.Globalization;

namespace IamDb.Cli.Tests.Telemetry;

/// <summary>A parsed Prometheus text exposition: every sample with its name and labels.</summary>
internal sealed class PrometheusText
{
    public PrometheusText(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            Samples.Add(ParseSample(line));
        }
    }

    public string Text { get; }

    public List<(string Name, Dictionary<string, string> Labels, double Value)> Samples { get; } = [];

    /// <summary>The sample named <paramref name="name"/> whose labels are exactly <paramref name="labels"/>; null if there is none.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels)
    {
        var found = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
        Assert.True(found.Count <= 1, $"{found.Count} samples of {name} match");
        return found.Count == 0 ? null : found[0].Value;
    }

    /// <summary>The sum of the samples named <paramref name="name"/> that carry at least <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Sum(s => s.Value);

    private static (string, Dictionary<string, string>, double) ParseSample(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (brace < 0 || brace > space)
        {
            return (line[..space], labels, ParseValue(line[(space + 1)..]));
        }

        var name = line[..brace];
        var i = brace + 1;
        while (line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            var key = line[i..eq];
            i = eq + 2; // past ="
            var value = new System.Text.StringBuilder();
            while (line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }

                i++;
            }

            labels[key] = value.ToString();
            i++; // past the closing quote
            if (line[i] == ',')
            {
                i++;
            }
        }

        var rest = line[(i + 1)..].Trim().Split(' ')[0];
        return (name, labels, ParseValue(rest));
    }

    private static double ParseValue(string text) => text.Trim().Split(' ')[0] switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
