using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Telnyx;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Telnyx's Call Recordings resource with the account's API key (<c>TELNYX_API_KEY</c>, Bearer), at
/// <c>TELNYX_API_BASE_URL</c>. Every API URL is built from a recording id checked to be one, never from a URL a
/// callback sent. Telnyx answers a recording's details with pre-signed download URLs: one is followed only on an origin
/// of <c>TELNYX_RECORDING_ORIGINS</c>, without the key, and no redirect is ever followed.
/// </summary>
internal sealed class TelnyxRecordings(IOptions<MainAppOptions> options, IHttpClientFactory httpClients) : IProviderRecordings
{
    /// <summary>The client for Telnyx's API and its recordings' storage: it follows no redirect.</summary>
    public const string HttpClientName = "telnyx-rest";

    /// <summary>A recording's details are a few hundred bytes of JSON; they are read only this far.</summary>
    private const int MaxDetailsBytes = 64 * 1024;

    /// <summary>Whether the app has the API key to fetch and delete recordings.</summary>
    public bool IsConfigured => options.Value.TelnyxApiKey is not null;

    public PhoneProvider Provider => PhoneProvider.Telnyx;

    public string CallSidForm => "a Telnyx one (v2: or v3: and a call control id)";

    public string MissingSettings => "Telnyx calls' recordings need TELNYX_API_KEY on the main app.";

    public bool IsCallSid(string callSid) => TelnyxRecording.IsCallSid(callSid);

    /// <summary>
    /// <c>GET {base}/recordings/{id}</c>, then the file its <c>download_urls</c> names for <paramref name="format"/>: the
    /// answer once its headers are in, its body still to be read, so the media can be streamed on without being held whole.
    /// </summary>
    public async Task<MediaFetch> GetMediaAsync(CallRecording recording, RecordingFormat format, CancellationToken cancellationToken)
    {
        var recordingId = recording.RecordingSid!;
        var settings = options.Value;
        var client = httpClients.CreateClient(HttpClientName);
        Uri? download;
        using (var request = TelnyxRecordingsApi.CreateRequest(HttpMethod.Get, settings.TelnyxApiBaseUrl, ApiKey(), recordingId))
        using (var details = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
        {
            if (!details.IsSuccessStatusCode)
            {
                // Telnyx's error body is never passed on: only its status.
                var status = (int)details.StatusCode;
                return status == StatusCodes.Status404NotFound
                    ? MediaFetch.Missing("Telnyx has no such recording")
                    : MediaFetch.Refused($"Telnyx answered HTTP {status}");
            }

            download = await ReadDownloadUrlAsync(details, format, cancellationToken);
        }

        if (download is null)
        {
            return MediaFetch.Missing($"Telnyx lists no {(format == RecordingFormat.Mp3 ? "mp3" : "wav")} file for the recording");
        }

        if (!RecordingOrigins.IsAllowed(download, settings.TelnyxRecordingOrigins))
        {
            // Named by its host only: the full URL carries a storage signature.
            return MediaFetch.Refused($"Telnyx's download URL is on {download.Host}, not an origin of TELNYX_RECORDING_ORIGINS");
        }

        // Pre-signed: the URL is the credential, so the API key does not go with it.
        using var fetch = new HttpRequestMessage(HttpMethod.Get, download);
        var media = await client.SendAsync(fetch, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!media.IsSuccessStatusCode)
        {
            var status = (int)media.StatusCode;
            media.Dispose();
            return MediaFetch.Refused($"the recording's storage answered HTTP {status}");
        }

        return new MediaFetch(media, false, null);
    }

    /// <summary>
    /// <c>DELETE {base}/recordings/{id}</c>. A recording Telnyx no longer has (404) counts as deleted.
    /// </summary>
    public async Task<RecordingDeleteResult> DeleteAsync(string recordingId, CancellationToken cancellationToken)
    {
        using var request = TelnyxRecordingsApi.CreateRequest(HttpMethod.Delete, options.Value.TelnyxApiBaseUrl, ApiKey(), recordingId);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? new RecordingDeleteResult(true, null)
                : new RecordingDeleteResult(false, $"Telnyx refused: HTTP {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RecordingDeleteResult(false, "Telnyx could not be reached");
        }
    }

    /// <summary><c>data.download_urls.wav</c> (or <c>.mp3</c>) of a recording's details, or null when there is none to read.</summary>
    private static async Task<Uri?> ReadDownloadUrlAsync(HttpResponseMessage details, RecordingFormat format, CancellationToken cancellationToken)
    {
        await using var stream = await details.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxDetailsBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object &&
                data.TryGetProperty("download_urls", out var urls) && urls.ValueKind == JsonValueKind.Object &&
                urls.TryGetProperty(format == RecordingFormat.Mp3 ? "mp3" : "wav", out var url) && url.ValueKind == JsonValueKind.String &&
                Uri.TryCreate(url.GetString(), UriKind.Absolute, out var parsed)
                    ? parsed
                    : null;
        }
        catch (JsonException)
        {
            // Not JSON, or cut off at the cap: there is no URL to follow.
            return null;
        }
    }

    private string ApiKey() => options.Value.TelnyxApiKey ?? throw new InvalidOperationException("TELNYX_API_KEY is not set.");
}
