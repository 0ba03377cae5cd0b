namespace IamDb.Policy.Parsing;

/// <summary>Builds the JSON paths used in errors and lint findings: <c>Statement[1].Condition.StringEquals.aws:username</c>.</summary>
internal static class PolicyPath
{
    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    public static string Statement(int index) => $"Statement[{index}]";
}
