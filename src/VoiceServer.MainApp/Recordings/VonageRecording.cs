using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// How the app asks Vonage to record a call, as it asks the other providers: an NCCO <c>record</c> action before the
/// <c>connect</c>, the conversation split in two channels (the caller on one, the agent on the other), WAV, no beep,
/// its event at <c>PUBLIC_URL</c> + <see cref="StatusCallbackPath"/> (POST, signed like every Vonage webhook). The
/// callback names the call's conversation (<c>conversation_uuid</c>) and the file's URL (<c>recording_url</c>),
/// which is kept only when it is a file on an origin of <c>VONAGE_RECORDING_ORIGINS</c>.
/// </summary>
internal static partial class VonageRecording
{
    /// <summary>Beside the answer and event webhooks, named as the other providers' recording callbacks are.</summary>
    public const string StatusCallbackPath = "/api/vonage/recording-status";

    /// <summary>A recording callback's body: a few short fields.</summary>
    public const int MaxCallbackFieldLength = 2048;

    /// <summary>The callback's URL: Vonage needs an absolute one, so under <c>PUBLIC_URL</c> or the answer's own origin.</summary>
    public static Uri StatusCallbackUrl(Uri publicUrl) => new(MainAppOptions.PublicPath(publicUrl, StatusCallbackPath));

    /// <summary>
    /// <c>{"action":"record","split":"conversation","channels":2,"format":"wav","beepStart":false,"eventUrl":[…],"eventMethod":"POST"}</c>:
    /// asynchronous, so the NCCO goes on to the <c>connect</c> at once; with no <c>endOnSilence</c>, <c>endOnKey</c>
    /// or <c>timeOut</c>, it records until the call ends (or Vonage's own ceiling, <c>timeOut</c>'s default of 7200 s).
    /// </summary>
    public static JsonObject RecordAction(Uri eventUrl) => new()
    {
        ["action"] = "record",
        ["split"] = "conversation",
        ["channels"] = 2,
        ["format"] = "wav",
        ["beepStart"] = false,
        ["eventUrl"] = new JsonArray(eventUrl.AbsoluteUri),
        ["eventMethod"] = "POST",
    };

    /// <summary>A Vonage call uuid: a UUID (8-4-4-4-12 hexadecimal digits).</summary>
    public static bool IsCallUuid(string? value) => value is not null && UuidPattern().IsMatch(value);

    /// <summary>A recording uuid: a UUID too.</summary>
    public static bool IsRecordingUuid(string? value) => IsCallUuid(value);

    /// <summary>A Vonage conversation uuid: <c>CON-</c> and a UUID.</summary>
    public static bool IsConversationUuid(string? value) => value is not null && ConversationPattern().IsMatch(value);

    /// <summary>
    /// The file a callback's <c>recording_url</c> names, rebuilt from its parts, when it is exactly
    /// <c>{origin}/v1/files/{uuid}</c> (or Vonage's <c>/v3/files/</c>) on one of <paramref name="origins"/>: no user,
    /// query or fragment, nothing else in the path. Null for anything else, which is then neither kept nor fetched.
    /// </summary>
    public static Uri? MediaUrl(string value, IReadOnlyList<Uri> origins)
    {
        if (value.Length > MaxCallbackFieldLength || !Uri.TryCreate(value, UriKind.Absolute, out var url) ||
            url.UserInfo.Length != 0 || url.Query.Length != 0 || url.Fragment.Length != 0 ||
            !RecordingOrigins.IsAllowed(url, origins))
        {
            return null;
        }

        // The path as sent, not as Uri normalised it: "/v1/files/../x" or an escaped slash is not a file.
        var path = FilePathPattern().Match(url.AbsolutePath);
        if (!path.Success || !url.OriginalString.EndsWith(url.AbsolutePath, StringComparison.Ordinal))
        {
            return null;
        }

        var origin = origins.First(origin => RecordingOrigins.IsAllowed(url, [origin]));
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{origin.GetLeftPart(UriPartial.Authority)}/{path.Groups["version"].Value}/files/{path.Groups["id"].Value.ToLowerInvariant()}"));
    }

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UuidPattern();

    [GeneratedRegex(@"^CON-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ConversationPattern();

    [GeneratedRegex(@"^/(?<version>v1|v3)/files/(?<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\z", RegexOptions.CultureInvariant)]
    private static partial Regex FilePathPattern();
}
