using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Secrets;

/// <summary>
/// The keys and algorithms of a signed call configuration, for both ends (the main app that issues it, the voice
/// server that reads it). One secret, <c>CONFIG_SIGNING_KEY</c>, signs the token (HS256) and, through HKDF with a
/// label of its own, encrypts it (JWE, <c>dir</c> + <c>A256CBC-HS512</c>), so what Twilio stores of the TwiML shows
/// neither the agent's key nor its prompt.
/// </summary>
public static class SignedConfigurationKeys
{
    /// <summary>The JWT audience both ends use.</summary>
    public const string Audience = "voice-server";

    /// <summary>JWE key management: the derived key is the content key.</summary>
    public const string KeyManagementAlgorithm = "dir";

    /// <summary>JWE content encryption: AES-256-CBC with HMAC-SHA-512, which takes a 64-byte key.</summary>
    public const string ContentEncryptionAlgorithm = "A256CBC-HS512";

    /// <summary>The <c>kid</c> of the derived encryption key, which the JWE header names so the reader can pick it.</summary>
    public const string EncryptionKeyId = "config-encryption-1";

    private const int EncryptionKeyBytes = 64;

    private static readonly byte[] s_encryptionLabel = "voice-server signed configuration encryption v1"u8.ToArray();

    /// <summary>The signing key's bytes (UTF-8), as HS256 uses them.</summary>
    public static byte[] SigningKey(string secret) => Encoding.UTF8.GetBytes(secret);

    /// <summary>The encryption key derived from the same secret; never equal to the signing key.</summary>
    public static byte[] EncryptionKey(string secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), EncryptionKeyBytes, salt: [], info: s_encryptionLabel);
}
