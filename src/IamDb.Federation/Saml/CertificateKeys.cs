using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IamDb.Federation.Saml;

/// <summary>
/// Public keys of metadata certificates, imported once and reused: getting the RSA or ECDSA key out of a certificate
/// costs more than the signature check it serves. A small pool per certificate rather than one shared instance, since
/// .NET does not promise that one <see cref="RSA"/> or <see cref="ECDsa"/> may be used by several threads at once.
/// The pool hangs off the certificate object itself, so a provider whose metadata is replaced (a rotated certificate)
/// gets new certificate objects and new keys, and the old keys go with the old objects.
/// </summary>
internal static class CertificateKeys
{
    /// <summary>How many imported keys a certificate keeps for reuse; more concurrent callers import their own.</summary>
    private const int PoolLimit = 16;

    private static readonly ConditionalWeakTable<X509Certificate2, ConcurrentQueue<AsymmetricAlgorithm>> Pools = [];

    /// <summary>
    /// Runs <paramref name="use"/> with the certificate's public key when it is ECDSA and <paramref name="ecdsa"/> is
    /// true, or RSA and it is false; false without calling it otherwise.
    /// </summary>
    public static bool TryUse<TState>(X509Certificate2 certificate, bool ecdsa, TState state, Func<AsymmetricAlgorithm, TState, bool> use)
    {
        var pool = Pools.GetValue(certificate, static _ => new ConcurrentQueue<AsymmetricAlgorithm>());
        AsymmetricAlgorithm? key = null;
        try
        {
            key = pool.TryDequeue(out var pooled) ? pooled : Import(certificate);
            return key is not null && key is ECDsa == ecdsa && use(key, state);
        }
        finally
        {
            if (key is not null)
            {
                if (pool.Count < PoolLimit)
                {
                    pool.Enqueue(key);
                }
                else
                {
                    key.Dispose();
                }
            }
        }
    }

    /// <summary>The certificate's RSA or ECDSA public key; null for any other kind.</summary>
    private static AsymmetricAlgorithm? Import(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetRSAPublicKey() ?? certificate.GetECDsaPublicKey();
}
