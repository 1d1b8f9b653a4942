using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Security;

/// <summary>
/// Encrypts agents' OpenAI keys at rest with AES-256-GCM (<c>ENCRYPTION_KEY</c>): <c>v1:</c> + base64(nonce ‖ tag ‖
/// ciphertext). Without a key configured, agents cannot hold keys of their own (they use the voice server's).
/// </summary>
internal sealed class KeyProtector(IOptions<MainAppOptions> options)
{
    private const string Version = "v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[]? _key = options.Value.EncryptionKey;

    public bool IsConfigured => _key is not null;

    public string Protect(string secret)
    {
        var key = _key ?? throw new InvalidOperationException("ENCRYPTION_KEY is not set.");
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    public string Unprotect(string protectedSecret)
    {
        var key = _key ?? throw new InvalidOperationException("ENCRYPTION_KEY is not set.");
        if (!protectedSecret.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("unknown key format");
        }

        var sealedBytes = Convert.FromBase64String(protectedSecret[Version.Length..]);
        var plaintext = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), plaintext);
        return Encoding.UTF8.GetString(plaintext);
    }
}
