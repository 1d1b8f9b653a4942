namespace VoiceServer.TwilioEmulator;

public sealed class FakeTwilioCallerOptions
{
    /// <summary>An <c>Origin</c> header for the upgrade; Twilio's own upgrade is not known to send one.</summary>
    public string? Origin { get; init; }

    public MarkMode MarkMode { get; init; } = MarkMode.Immediate;

    /// <summary>Clock for the playback queue (<see cref="MarkMode.Playback"/>), pacing and timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public string StreamSid { get; init; } = TwilioIds.NewStreamSid();

    public string CallSid { get; init; } = TwilioIds.NewCallSid();

    public string AccountSid { get; init; } = TwilioIds.NewAccountSid();

    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary><c>media.timestamp</c> of the first frame; Twilio's is never "0" (its sample log shows "52").</summary>
    public long FirstMediaTimestampMs { get; init; } = 20;

    /// <summary>Extra upgrade headers (header name to value).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>When set, the upgrade carries <c>x-twilio-signature</c> computed with this Auth Token.</summary>
    public string? SignatureAuthToken { get; init; }

    /// <summary>The URL that is signed (the <c>wss://</c> URL of the TwiML); defaults to the URL connected to.</summary>
    public string? SignatureUrl { get; init; }

    /// <summary>Largest server message accepted; anything bigger is a violation.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Called on the receive loop for every valid server message. Exceptions are recorded as failures.</summary>
    public Action<TwilioOutboundMessage>? MessageReceived { get; init; }

    /// <summary>Called whenever a mark has been sent back. Exceptions are recorded as failures.</summary>
    public Action<ReturnedMark>? MarkReturned { get; init; }
}
