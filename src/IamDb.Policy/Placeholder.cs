namespace IamDb.Policy;
internal static class Placeholder;
