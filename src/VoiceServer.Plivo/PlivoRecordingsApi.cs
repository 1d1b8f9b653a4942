using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace VoiceServer.Plivo;

/// <summary>
/// Plivo's Recording resource, as the official SDK addresses it: <c>GET</c> and <c>DELETE
/// {base}/Account/{auth_id}/Recording/{recording_id}/</c> with HTTP Basic <c>auth_id:auth_token</c>; and a recording's
/// file, <c>{media base}/Account/{auth_id}/Recording/{recording_id}.wav</c> (or <c>.mp3</c>), which Plivo serves to the
/// same credentials when the account keeps its recordings private. The <c>RecordingID</c> of a <c>&lt;Record&gt;</c>
/// callback is this id.
/// </summary>
public static partial class PlivoRecordingsApi
{
    /// <summary>Where Plivo serves recordings' files: the host of the <c>RecordUrl</c> its callbacks send.</summary>
    public static Uri DefaultMediaBaseUrl { get; } = new("https://media.plivo.com/v1/");

    /// <summary>Auth IDs are <c>MA…</c> or <c>SA…</c> and 20 characters; a little room, never a path.</summary>
    private const int MaxAuthIdLength = 64;

    /// <summary>The resource request for a recording (<c>DELETE</c>, or <c>GET</c> its details).</summary>
    /// <param name="method">GET or DELETE.</param>
    /// <param name="baseUrl">Plivo's API root (<c>PLIVO_API_BASE_URL</c>); <see cref="PlivoCallControl.DefaultBaseUrl"/> when null.</param>
    /// <param name="authId">The Auth ID: letters and digits.</param>
    /// <param name="authToken">The Auth Token. Never logged.</param>
    /// <param name="recordingId">The recording's id; must pass <see cref="IsRecordingId"/>.</param>
    public static HttpRequestMessage CreateRequest(HttpMethod method, Uri? baseUrl, string authId, string authToken, string recordingId) =>
        Create(method, Under(baseUrl ?? PlivoCallControl.DefaultBaseUrl, authId, recordingId, "/"), authId, authToken);

    /// <summary>The request for a recording's file in <paramref name="extension"/> (<c>wav</c> or <c>mp3</c>).</summary>
    /// <param name="mediaBaseUrl">Where Plivo serves the files (<c>PLIVO_MEDIA_BASE_URL</c>); <see cref="DefaultMediaBaseUrl"/> when null.</param>
    /// <param name="authId">The Auth ID: letters and digits.</param>
    /// <param name="authToken">The Auth Token. Never logged.</param>
    /// <param name="recordingId">The recording's id; must pass <see cref="IsRecordingId"/>.</param>
    /// <param name="extension"><c>wav</c> or <c>mp3</c>.</param>
    public static HttpRequestMessage CreateMediaRequest(Uri? mediaBaseUrl, string authId, string authToken, string recordingId, string extension)
    {
        if (extension is not ("wav" or "mp3"))
        {
            throw new ArgumentException("Plivo serves recordings as wav or mp3.", nameof(extension));
        }

        return Create(HttpMethod.Get, Under(mediaBaseUrl ?? DefaultMediaBaseUrl, authId, recordingId, "." + extension), authId, authToken);
    }

    /// <summary>An Auth ID as Plivo's console shows it: letters and digits, so it is safe in a URL path as it is.</summary>
    public static bool IsAuthId(string? value) => value is { Length: > 0 and <= MaxAuthIdLength } && value.All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// A Plivo recording id: UUID-shaped (8-4-4-4-12), of letters and digits (Plivo's own examples are not all
    /// hexadecimal), so it is safe in a URL path as it is.
    /// </summary>
    public static bool IsRecordingId(string? value) => value is not null && RecordingIdPattern().IsMatch(value);

    private static Uri Under(Uri root, string authId, string recordingId, string suffix)
    {
        if (!IsAuthId(authId))
        {
            throw new ArgumentException("The Plivo Auth ID is letters and digits, as the console shows it.", nameof(authId));
        }

        if (!IsRecordingId(recordingId))
        {
            throw new ArgumentException("Not a Plivo recording id.", nameof(recordingId));
        }

        // Relative paths resolve under the root only when it ends with a slash.
        return new Uri(root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/"), $"Account/{authId}/Recording/{recordingId}{suffix}");
    }

    private static HttpRequestMessage Create(HttpMethod method, Uri url, string authId, string authToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authId}:{authToken}")));
        return request;
    }

    // \z, not $: $ also matches before a final newline, which would let "…\n" into a URL path.
    [GeneratedRegex(@"^[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RecordingIdPattern();
}
