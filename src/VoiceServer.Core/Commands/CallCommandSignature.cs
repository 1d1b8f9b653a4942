using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Commands;

/// <summary>
/// How commands and their acknowledgements are signed, for both ends: <c>v1=&lt;hex HMAC-SHA256(key, purpose + "." + body)&gt;</c>
/// over the exact JSON bytes, with a key derived from <c>CONFIG_SIGNING_KEY</c> (HKDF-SHA256, a label of its own), so
/// a command's MAC can never pass for a configuration token's signature, nor an acknowledgement for a command. Over
/// HTTP the signature travels in <see cref="HeaderName"/>; over Redis one message carries both (<see cref="Wrap"/>).
/// </summary>
public static class CallCommandSignature
{
    public const string HeaderName = "X-Call-Command-Signature";

    /// <summary>A command is a few hundred bytes; the longest message to say fits many times over.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    /// <summary>How far a command's <c>issuedAt</c> may be from the receiver's clock, either way (clock skew included).</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(60);

    private const string Version = "v1=";
    private const int KeyBytes = 32;
    private static readonly byte[] s_label = "voice-server call commands v1"u8.ToArray();

    /// <summary>What is signed: a command (main app to voice server) or an acknowledgement (back).</summary>
    public enum Purpose
    {
        Command,
        Ack,
    }

    /// <summary>The commands' key, derived from the configuration signing key both services hold.</summary>
    public static byte[] Key(string configSigningKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(configSigningKey), KeyBytes, salt: [], info: s_label);

    public static string Sign(byte[] key, Purpose purpose, ReadOnlySpan<byte> body) => Version + Convert.ToHexStringLower(Mac(key, purpose, body));

    /// <summary>The right MAC for these bytes, compared in constant time.</summary>
    public static bool IsValid(string? signature, byte[] key, Purpose purpose, ReadOnlySpan<byte> body)
    {
        if (signature is null || !signature.StartsWith(Version, StringComparison.Ordinal) || signature.Length != Version.Length + 64)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(key, purpose, body)));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature[Version.Length..]));
    }

    /// <summary>True when <paramref name="issuedAt"/> (Unix seconds) is within <see cref="Freshness"/> of <paramref name="now"/>.</summary>
    public static bool IsFresh(long issuedAt, DateTimeOffset now) => Math.Abs(now.ToUnixTimeSeconds() - issuedAt) <= (long)Freshness.TotalSeconds;

    /// <summary>One Redis message: the signature, a line feed, then the JSON.</summary>
    public static string Wrap(byte[] key, Purpose purpose, byte[] body) => Sign(key, purpose, body) + "\n" + Encoding.UTF8.GetString(body);

    /// <summary>Splits a Redis message made by <see cref="Wrap"/>; false for anything else (the MAC is not checked here).</summary>
    public static bool TryUnwrap(string? message, [NotNullWhen(true)] out string? signature, [NotNullWhen(true)] out byte[]? body)
    {
        signature = null;
        body = null;
        var separator = message?.IndexOf('\n', StringComparison.Ordinal) ?? -1;
        if (message is null || separator < 0 || message.Length > MaxBodyBytes + 128)
        {
            return false;
        }

        signature = message[..separator];
        body = Encoding.UTF8.GetBytes(message[(separator + 1)..]);
        return true;
    }

    private static byte[] Mac(byte[] key, Purpose purpose, ReadOnlySpan<byte> body)
    {
        var prefix = purpose == Purpose.Command ? "command."u8 : "ack."u8;
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, signed);
    }
}
