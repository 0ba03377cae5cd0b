namespace IamDb.Broker.Secrets;

/// <summary>
/// The master key is missing, malformed, unreadable, or not the one the data was encrypted with.
/// Messages say what is wrong and how to fix it, never the key itself.
/// </summary>
internal sealed class MasterKeyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A stored secret failed to decrypt: it was tampered with, moved to another record, or written under a
/// different master key. The message carries no part of the secret.
/// </summary>
internal sealed class SecretDecryptionException(string context)
    : Exception($"a stored secret could not be decrypted ({context}): it was altered, copied from another record, or encrypted under another master key");
