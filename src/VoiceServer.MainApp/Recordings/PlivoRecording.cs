using System.Text.RegularExpressions;
using System.Xml;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// How the app asks Plivo to record a call, as it asks Twilio and Telnyx: Plivo's own recording of the whole call, both
/// parties on separate channels (stereo), WAV, its callback at <c>PUBLIC_URL</c> + <see cref="StatusCallbackPath"/>:
/// <c>&lt;Record recordSession="true"&gt;</c> before the <c>&lt;Stream&gt;</c>.
/// </summary>
internal static partial class PlivoRecording
{
    public const string StatusCallbackPath = "/api/plivo/recording-status";

    /// <summary>
    /// Plivo stops a recording at <c>maxLength</c> (60 s unless told): four hours, the longest call Plivo places by
    /// default (its <c>time_limit</c>), so a call is recorded to its end.
    /// </summary>
    public const int MaxLengthSeconds = 4 * 60 * 60;

    /// <summary>The callback's URL: Plivo needs an absolute one, so under <c>PUBLIC_URL</c>, or relative without it.</summary>
    public static string StatusCallbackUrl(MainAppOptions options) =>
        options.PublicUrl is { } publicUrl ? MainAppOptions.PublicPath(publicUrl, StatusCallbackPath) : StatusCallbackPath;

    /// <summary>
    /// <c>&lt;Record recordSession="true" redirect="false" … callbackUrl="…"/&gt;</c>: Plivo records the whole call in
    /// the background (no beep, no silence timeout) and goes on to the next element at once; <c>redirect="false"</c>
    /// keeps the call on this document. The callback comes once the file is ready.
    /// </summary>
    public static void WriteRecord(XmlWriter writer, MainAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartElement("Record");
        writer.WriteAttributeString("recordSession", "true");
        writer.WriteAttributeString("redirect", "false");
        writer.WriteAttributeString("fileFormat", "wav");
        writer.WriteAttributeString("recordChannelType", "stereo");
        writer.WriteAttributeString("maxLength", MaxLengthSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.WriteAttributeString("callbackUrl", StatusCallbackUrl(options));
        writer.WriteAttributeString("callbackMethod", "POST");
        writer.WriteEndElement();
    }

    /// <summary>A Plivo CallUUID: a UUID (8-4-4-4-12 hexadecimal digits).</summary>
    public static bool IsCallUuid(string? value) => value is not null && CallUuidPattern().IsMatch(value);

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallUuidPattern();
}
