namespace VoiceServer.Commands;

/// <summary>
/// The Redis channels of live-call control: one per held call, which only the instance holding it subscribes to (so
/// PUBLISH answers 0 when no instance does), and one per main-app process for the acknowledgements.
/// </summary>
public static class CallCommandChannels
{
    public const string CallPrefix = "voice-server:call:";
    public const string ReplyPrefix = "voice-server:command-replies:";

    /// <summary>A text of its own per live call: up to 128 letters, digits, <c>_ - . :</c> (Twilio's CA…, Telnyx's v3:…, Plivo's UUIDs).</summary>
    public static bool IsValidCallSid(string? callSid) =>
        callSid is { Length: > 0 and <= 128 } && callSid.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    public static string ForCall(string callSid) => CallPrefix + callSid;

    /// <summary>A reply channel the main app named: its prefix and a plain id, nothing a subscriber pattern could widen.</summary>
    public static bool IsValidReplyChannel(string? channel) =>
        channel is { Length: > 0 and <= 128 } && channel.StartsWith(ReplyPrefix, StringComparison.Ordinal) &&
        channel.Length > ReplyPrefix.Length && channel.AsSpan(ReplyPrefix.Length).ContainsAnyExcept(s_idCharacters) is false;

    private static readonly System.Buffers.SearchValues<char> s_idCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
}
