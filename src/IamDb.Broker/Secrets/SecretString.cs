using System.Security.Cryptography;
using System.Text;

namespace IamDb.Broker.Secrets;

/// <summary>
/// A secret value (access-key secret, session secret, cluster admin password) that never shows itself
/// by accident: <see cref="ToString"/> is redacted, so records holding one print safely. Call
/// <see cref="Reveal"/> only where the plain text is really needed (signing, one-time display).
/// </summary>
internal sealed class SecretString : IEquatable<SecretString>
{
    /// <summary>What every secret prints as.</summary>
    public const string Redacted = "[redacted]";

    private readonly string _value;

    public SecretString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>The plain text of the secret.</summary>
    public string Reveal() => _value;

    public override string ToString() => Redacted;

    public bool Equals(SecretString? other) =>
        other is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(_value), Encoding.UTF8.GetBytes(other._value));

    public override bool Equals(object? obj) => Equals(obj as SecretString);

    // Equal secrets must hash alike; the length is all a hash code may reveal.
    public override int GetHashCode() => _value.Length;
}
