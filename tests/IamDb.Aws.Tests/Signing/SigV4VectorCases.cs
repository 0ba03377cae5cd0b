using System.Text.Json;

namespace IamDb.Aws.Tests.Signing;

/// <summary>Finds the copied vector cases (see Vectors/README.md).</summary>
internal static class SigV4VectorCases
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Signing", "Vectors");

    public static string AwsCAuthDirectory(string name) => Path.Combine(Root, "aws-c-auth-v4", name);

    /// <summary>aws-c-auth v4 cases with <c>normalize: true</c> (the non-S3 rules), by name.</summary>
    public static IEnumerable<string> AwsCAuthNormalized() => AwsCAuthAll().Where(n => AwsCAuthContext(n).Normalize);

    public static IEnumerable<string> AwsCAuthUnnormalized() => AwsCAuthAll().Where(n => !AwsCAuthContext(n).Normalize);

    public static IEnumerable<string> AwsCAuthAll() =>
        Directory.GetDirectories(Path.Combine(Root, "aws-c-auth-v4")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static VectorContext AwsCAuthContext(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AwsCAuthDirectory(name), "context.json")));
        var root = json.RootElement;
        var credentials = root.GetProperty("credentials");
        return new VectorContext(
            credentials.TryGetProperty("token", out var token) ? token.GetString() : null,
            root.GetProperty("normalize").GetBoolean(),
            root.GetProperty("sign_body").GetBoolean(),
            root.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean(),
            root.GetProperty("expiration_in_seconds").GetInt32(),
            root.GetProperty("region").GetString()!,
            root.GetProperty("service").GetString()!);
    }

    /// <summary>botocore legacy cases: relative folder (e.g. <c>normalize-path/get-space</c>) → file stem path.</summary>
    public static IEnumerable<string> Botocore() =>
        Directory.GetFiles(Path.Combine(Root, "botocore"), "*.req", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(Root, "botocore"), Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public static string BotocoreFile(string relative, string extension) =>
        Path.Combine(Root, "botocore", relative, Path.GetFileName(relative) + extension);

    public static string Read(string path) => File.ReadAllText(path, System.Text.Encoding.UTF8);

    internal sealed record VectorContext(
        string? Token, bool Normalize, bool SignBody, bool OmitSessionToken, int ExpiresSeconds, string Region, string Service);
}
