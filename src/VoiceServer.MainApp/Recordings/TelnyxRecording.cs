using System.Text.RegularExpressions;
using System.Xml;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// How the app asks Telnyx to record a TeXML call, as it asks Twilio (<see cref="TwilioRecording"/>): Telnyx's own
/// recording, both tracks on separate channels, WAV, with its recording status callback at <c>PUBLIC_URL</c> +
/// <see cref="StatusCallbackPath"/>: <c>&lt;Start&gt;&lt;Recording&gt;</c> before the <c>&lt;Connect&gt;</c>.
/// </summary>
internal static partial class TelnyxRecording
{
    public const string StatusCallbackPath = "/api/telnyx/recording-status";

    /// <summary>A call control id is far shorter than this (<c>v3:</c> and some 50 base64url characters).</summary>
    private const int MaxCallSidLength = 256;

    /// <summary>The callback's URL: under <c>PUBLIC_URL</c>, or relative (Telnyx resolves it against the TeXML's URL) without it.</summary>
    public static string StatusCallbackUrl(MainAppOptions options) =>
        options.PublicUrl is { } publicUrl ? MainAppOptions.PublicPath(publicUrl, StatusCallbackPath) : StatusCallbackPath;

    /// <summary>
    /// <c>&lt;Start&gt;&lt;Recording channels="dual" track="both" format="wav" recordingStatusCallback="…"/&gt;&lt;/Start&gt;</c>:
    /// Telnyx starts recording and goes on to the next verb at once. The callbacks asked for are, as for Twilio,
    /// <c>completed</c> (the file is ready) and <c>absent</c> (there is none); WAV, so the admin route's default format
    /// is there to fetch.
    /// </summary>
    public static void WriteStart(XmlWriter writer, MainAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartElement("Start");
        writer.WriteStartElement("Recording");
        writer.WriteAttributeString("channels", TwilioRecording.DualChannels);
        writer.WriteAttributeString("track", TwilioRecording.BothTracks);
        writer.WriteAttributeString("format", "wav");
        writer.WriteAttributeString("recordingStatusCallback", StatusCallbackUrl(options));
        writer.WriteAttributeString("recordingStatusCallbackMethod", "POST");
        writer.WriteAttributeString("recordingStatusCallbackEvent", string.Join(' ', TwilioRecording.CallbackEvents));
        writer.WriteEndElement();
        writer.WriteEndElement();
    }

    /// <summary>A TeXML CallSid (the call control id): <c>v2:</c> or <c>v3:</c> and base64url characters.</summary>
    public static bool IsCallSid(string? value) => value is { Length: <= MaxCallSidLength } && CallSidPattern().IsMatch(value);

    /// <summary>What Telnyx's callback may say (its TeXML recording callbacks: in progress, completed, absent).</summary>
    public static bool IsTelnyxStatus(string? status) => status is "in-progress" or CallRecordingStatuses.Completed or "absent";

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^v[23]:[A-Za-z0-9_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallSidPattern();
}
