using System.Text.RegularExpressions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.TwiML.Voice;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// How the app asks Twilio to record a call: Twilio's own recording, both tracks on separate channels (channel 1 what
/// Twilio receives from the phone, the caller or callee; channel 2 what Twilio plays to it, the agent), with its
/// recording status callback at <c>PUBLIC_URL</c> + <see cref="StatusCallbackPath"/>. A call the app places asks in
/// its REST request (<c>Record=true</c>); an inbound call answered with <c>&lt;Connect&gt;&lt;Stream&gt;</c> asks in
/// its TwiML, <c>&lt;Start&gt;&lt;Recording&gt;</c> before the <c>&lt;Connect&gt;</c>.
/// </summary>
internal static partial class TwilioRecording
{
    public const string StatusCallbackPath = "/api/twilio/recording-status";

    /// <summary>Each party on a channel of its own.</summary>
    public const string DualChannels = "dual";

    /// <summary>What Twilio receives and what it generates: both parties.</summary>
    public const string BothTracks = "both";

    /// <summary>
    /// The callbacks asked for: <c>completed</c> (the file is ready) and <c>absent</c> (there is none: too short or
    /// silent). <c>in-progress</c> would only say what the app already knows.
    /// </summary>
    public static IReadOnlyList<string> CallbackEvents { get; } = ["completed", "absent"];

    /// <summary>The callback's URL: under <c>PUBLIC_URL</c>, or relative (Twilio resolves it against the webhook's URL) without it.</summary>
    public static string StatusCallbackUrl(MainAppOptions options) =>
        options.PublicUrl is { } publicUrl ? MainAppOptions.PublicPath(publicUrl, StatusCallbackPath) : StatusCallbackPath;

    /// <summary>Records a call the app places, from the moment it is answered (REST parameters of <c>Calls.json</c>).</summary>
    public static void Record(CreateCallOptions call, MainAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(call);
        call.Record = true;
        call.RecordingChannels = DualChannels;
        call.RecordingTrack = BothTracks;
        call.RecordingStatusCallback = StatusCallbackUrl(options);
        call.RecordingStatusCallbackMethod = global::Twilio.Http.HttpMethod.Post;
        call.RecordingStatusCallbackEvent = [.. CallbackEvents];
    }

    /// <summary>
    /// <c>&lt;Start&gt;&lt;Recording channels="dual" track="both" recordingStatusCallback="…"/&gt;&lt;/Start&gt;</c>: Twilio
    /// starts recording before it runs the next verb, and goes on to the <c>&lt;Connect&gt;</c> at once.
    /// </summary>
    public static Start Start(MainAppOptions options) =>
        new Start().Recording(
            recordingStatusCallback: StatusCallbackUrl(options),
            recordingStatusCallbackMethod: Recording.RecordingStatusCallbackMethodEnum.Post,
            recordingStatusCallbackEvent: [Recording.EventEnum.Completed, Recording.EventEnum.Absent],
            track: Recording.TrackEnum.Both,
            channels: Recording.ChannelsEnum.Dual);

    /// <summary>A Twilio CallSid: <c>CA</c> and 32 hexadecimal digits.</summary>
    public static bool IsCallSid(string? value) => value is not null && CallSidPattern().IsMatch(value);

    /// <summary>A Twilio RecordingSid: <c>RE</c> and 32 hexadecimal digits, so it is safe in a URL path as it is.</summary>
    public static bool IsRecordingSid(string? value) => value is not null && RecordingSidPattern().IsMatch(value);

    // \z, not $: $ also matches before a final newline, which would let "RE…\n" into a URL path.
    [GeneratedRegex(@"^CA[0-9a-fA-F]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallSidPattern();

    [GeneratedRegex(@"^RE[0-9a-fA-F]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RecordingSidPattern();
}
