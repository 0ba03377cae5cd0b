using System.Globalization;

namespace IamDb.Federation.Saml;

/// <summary>Reads SAML's <c>xs:dateTime</c> values (UTC by the SAML 2.0 core rules; a missing zone is read as UTC).</summary>
internal static class SamlTime
{
    public static bool TryParse(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(
            text.Trim(),
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out value);
}
