using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Secrets;

/// <summary>
/// How the voice server's request for a handoff destination is signed, for both ends: the <see cref="WebhookSignature"/>
/// scheme (<c>t.url.body</c>, the URL bound), with a key derived from <c>CONFIG_SIGNING_KEY</c> (HKDF-SHA256, a label of
/// its own). The answer is another agent's configuration, key included, so only a holder of the key that signs
/// configurations may ask for one; the derived key means a handoff request can never pass for a configuration token,
/// a live-call command or a call record, nor any of them for it.
/// </summary>
public static class HandoffSignature
{
    /// <summary>A request is sent the moment it is signed; a minute either way covers clock skew.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(60);

    /// <summary>The request is a few hundred bytes: three ids and a short reason.</summary>
    public const int MaxBodyBytes = 4 * 1024;

    private const int KeyBytes = 32;
    private static readonly byte[] s_label = "voice-server agent handoffs v1"u8.ToArray();

    public static byte[] Key(string configSigningKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(configSigningKey), KeyBytes, salt: [], info: s_label);
}
