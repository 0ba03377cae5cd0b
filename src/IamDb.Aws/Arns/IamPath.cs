namespace IamDb.Aws.Arns;

/// <summary>
/// IAM entity paths (<c>/</c>, <c>/division/team/</c>): 1–512 characters, starting and ending with <c>/</c>, made of
/// printable ASCII (the model's pattern <c>(\u002F)|(\u002F[\u0021-\u007E]+\u002F)</c>).
/// </summary>
internal static class IamPath
{
    /// <summary>The default path.</summary>
    public const string Root = "/";

    /// <summary>The longest path IAM accepts.</summary>
    public const int MaxLength = 512;

    /// <summary>True when <paramref name="path"/> is a valid IAM path.</summary>
    public static bool IsValid(string? path) => Validate(path) is null;

    /// <summary>Null when <paramref name="path"/> is valid, otherwise why not.</summary>
    public static string? Validate(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "a path must not be empty";
        }

        if (path.Length > MaxLength)
        {
            return $"a path must be at most {MaxLength} characters long";
        }

        if (path[0] != '/' || path[^1] != '/')
        {
            return "a path must begin and end with '/'";
        }

        foreach (var c in path)
        {
            if (c < '\u0021' || c > '\u007E')
            {
                return "a path may contain only printable ASCII characters other than space";
            }
        }

        return null;
    }
}
