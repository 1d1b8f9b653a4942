using System.Buffers;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace VoiceServer.Telnyx;

/// <summary>How a webhook's signature check ended; only <see cref="Valid"/> lets the request in.</summary>
public enum TelnyxSignatureCheck
{
    Valid,

    /// <summary><c>telnyx-signature-ed25519</c> or <c>telnyx-timestamp</c> is missing.</summary>
    MissingHeaders,

    /// <summary>The timestamp is not decimal digits (Unix seconds).</summary>
    MalformedTimestamp,

    /// <summary>More than <see cref="TelnyxWebhookSignatureValidator.Tolerance"/> from now, either way: a replay, or a clock gone wrong.</summary>
    Stale,

    /// <summary>The signature is not base64 of 64 bytes.</summary>
    MalformedSignature,

    /// <summary>The signature does not match the timestamp and body under the account's public key.</summary>
    Mismatch,
}

/// <summary>
/// Verifies Telnyx webhooks (telnyx-media-streaming §5.1), exactly as the official Node SDK's <c>TelnyxWebhook</c>:
/// Ed25519 over the UTF-8 bytes of <c>"{telnyx-timestamp}|{raw body}"</c>, the signature base64 in
/// <c>telnyx-signature-ed25519</c>, the key the base64 of the account's raw 32-byte public key, and at most 300 s
/// between the timestamp and now. Check the raw body before parsing it: a re-serialised body does not verify.
/// </summary>
public sealed class TelnyxWebhookSignatureValidator
{
    public const string SignatureHeader = "telnyx-signature-ed25519";
    public const string TimestampHeader = "telnyx-timestamp";

    /// <summary>The official SDK's window.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);

    /// <summary>An Ed25519 signature is 64 bytes; its padded base64 is 88 characters.</summary>
    private const int SignatureBytes = 64;

    /// <summary>Unix seconds fit in 19 digits; anything longer is not a timestamp.</summary>
    private const int MaxTimestampDigits = 19;

    private static readonly SignatureAlgorithm s_ed25519 = SignatureAlgorithm.Ed25519;

    private readonly PublicKey _publicKey;
    private readonly TimeProvider _timeProvider;

    /// <param name="publicKeyBase64">The account's public key as the portal shows it: base64 of 32 raw bytes.</param>
    /// <param name="timeProvider">The clock the timestamp is compared with.</param>
    /// <exception cref="ArgumentException">The key is not base64 of a 32-byte Ed25519 public key.</exception>
    public TelnyxWebhookSignatureValidator(string publicKeyBase64, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(publicKeyBase64);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var raw = new byte[32];
        if (!Convert.TryFromBase64String(publicKeyBase64.Trim(), raw, out var length) || length != raw.Length ||
            !PublicKey.TryImport(s_ed25519, raw, KeyBlobFormat.RawPublicKey, out var key))
        {
            throw new ArgumentException("The Telnyx public key must be the base64 of a raw 32-byte Ed25519 key, as the portal shows it.", nameof(publicKeyBase64));
        }

        _publicKey = key!;
        _timeProvider = timeProvider;
    }

    /// <summary>Checks one webhook. <paramref name="body"/> is the request body exactly as received.</summary>
    public TelnyxSignatureCheck Verify(ReadOnlySpan<byte> body, string? signature, string? timestamp)
    {
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp))
        {
            return TelnyxSignatureCheck.MissingHeaders;
        }

        if (timestamp.Length > MaxTimestampDigits || timestamp.AsSpan().ContainsAnyExceptInRange('0', '9') ||
            !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TelnyxSignatureCheck.MalformedTimestamp;
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)Tolerance.TotalSeconds)
        {
            return TelnyxSignatureCheck.Stale;
        }

        Span<byte> signatureBytes = stackalloc byte[SignatureBytes];
        if (!Convert.TryFromBase64String(signature, signatureBytes, out var signatureLength) || signatureLength != SignatureBytes)
        {
            return TelnyxSignatureCheck.MalformedSignature;
        }

        // "{timestamp}|{body}": the timestamp is ASCII digits, so its UTF-8 bytes are its characters.
        var messageLength = timestamp.Length + 1 + body.Length;
        var message = ArrayPool<byte>.Shared.Rent(messageLength);
        try
        {
            var written = Encoding.ASCII.GetBytes(timestamp, message);
            message[written] = (byte)'|';
            body.CopyTo(message.AsSpan(written + 1));
            return s_ed25519.Verify(_publicKey, message.AsSpan(0, messageLength), signatureBytes)
                ? TelnyxSignatureCheck.Valid
                : TelnyxSignatureCheck.Mismatch;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }
}

