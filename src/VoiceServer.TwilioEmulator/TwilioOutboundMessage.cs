namespace VoiceServer.TwilioEmulator;

/// <summary>A message the server sent to the fake Twilio caller: <c>media</c>, <c>mark</c> or <c>clear</c>.</summary>
/// <param name="Event">The <c>event</c> field.</param>
/// <param name="Payload">The base64 <c>media.payload</c>, for <c>media</c>.</param>
/// <param name="MarkName">The <c>mark.name</c>, for <c>mark</c>.</param>
public sealed record TwilioOutboundMessage(string Event, string? Payload, string? MarkName)
{
    /// <summary>Decoded payload length in μ-law bytes (8 per millisecond); 0 for marks and clears.</summary>
    public int AudioBytes { get; init; }

    /// <summary>When it arrived, on the caller's TimeProvider, relative to the end of the upgrade.</summary>
    public TimeSpan ReceivedAt { get; init; }

    /// <summary>The message as received.</summary>
    public string RawJson { get; init; } = string.Empty;
}
