using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace VoiceServer.Telnyx;

/// <summary>
/// Telnyx's Call Recordings resource, as the official SDK addresses it: <c>GET {base}/recordings/{recording_id}</c>
/// (the recording's details, with <c>download_urls</c>) and <c>DELETE {base}/recordings/{recording_id}</c>, authorised
/// by <c>Authorization: Bearer</c> with the API key. A TeXML recording's <c>RecordingSid</c> is this id.
/// </summary>
public static partial class TelnyxRecordingsApi
{
    /// <summary>The request for a recording; <paramref name="recordingId"/> must pass <see cref="IsRecordingId"/>.</summary>
    /// <param name="method">GET (its details) or DELETE.</param>
    /// <param name="baseUrl">Telnyx's API root (<c>TELNYX_API_BASE_URL</c>); <see cref="TelnyxCallControl.DefaultBaseUrl"/> when null.</param>
    /// <param name="apiKey">The API key. Never logged.</param>
    /// <param name="recordingId">The recording's id.</param>
    public static HttpRequestMessage CreateRequest(HttpMethod method, Uri? baseUrl, string apiKey, string recordingId)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        if (!IsRecordingId(recordingId))
        {
            throw new ArgumentException("Not a Telnyx recording id.", nameof(recordingId));
        }

        var root = baseUrl ?? TelnyxCallControl.DefaultBaseUrl;
        // Relative paths resolve under the root only when it ends with a slash.
        var url = new Uri(root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/"), $"recordings/{recordingId}");
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>A Telnyx recording id: a UUID (8-4-4-4-12 hexadecimal digits), so it is safe in a URL path as it is.</summary>
    public static bool IsRecordingId(string? value) => value is not null && RecordingIdPattern().IsMatch(value);

    // \z, not $: $ also matches before a final newline, which would let "…\n" into a URL path.
    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RecordingIdPattern();
}
