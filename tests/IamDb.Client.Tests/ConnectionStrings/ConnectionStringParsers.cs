namespace IamDb.Client.Tests.ConnectionStrings;

/// <summary>Small independent parsers for the formats no library here reads: JDBC URLs and ODBC strings.</summary>
internal static class ConnectionStringParsers
{
    /// <summary>Splits <c>jdbc:redshift[:iam]://authority/db?k=v&amp;…</c> the way the Redshift JDBC driver's pattern does.</summary>
    public static (bool Iam, string Authority, string Database, Dictionary<string, string> Options) Jdbc(string url)
    {
        const string prefix = "jdbc:redshift:";
        Assert.StartsWith(prefix, url);
        var rest = url[prefix.Length..];
        var iam = rest.StartsWith("iam:", StringComparison.Ordinal);
        if (iam)
        {
            rest = rest[4..];
        }

        Assert.StartsWith("//", rest);
        rest = rest[2..];
        var queryAt = rest.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? rest : rest[..queryAt];
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (queryAt >= 0)
        {
            foreach (var pair in rest[(queryAt + 1)..].Split('&', ';'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                options.Add(pair[..eq], Uri.UnescapeDataString(pair[(eq + 1)..]));
            }
        }

        return (iam, path[..slash], Uri.UnescapeDataString(path[(slash + 1)..]), options);
    }

    /// <summary>Reads <c>k=v;k={v with ; and }} };…</c> by ODBC's rules.</summary>
    public static Dictionary<string, string> Odbc(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            var key = text[i..eq];
            i = eq + 1;
            string value;
            if (i < text.Length && text[i] == '{')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (text[i] == '}')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '}')
                        {
                            sb.Append('}');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(text[i++]);
                }

                value = sb.ToString();
            }
            else
            {
                var end = text.IndexOf(';', i);
                end = end < 0 ? text.Length : end;
                value = text[i..end];
                i = end;
            }

            result.Add(key, value);
            if (i < text.Length)
            {
                Assert.Equal(';', text[i]);
                i++;
            }
        }

        return result;
    }
}
