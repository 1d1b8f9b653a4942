using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Plivo;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Plivo's recordings with the account's credentials (<c>PLIVO_AUTH_ID</c>, <c>PLIVO_AUTH_TOKEN</c>, HTTP Basic): the
/// file from <c>PLIVO_MEDIA_BASE_URL</c>, deletion at <c>PLIVO_API_BASE_URL</c>. Every URL is built from the account
/// and a recording id checked to be one, never from the <c>RecordUrl</c> a callback sent; no redirect is followed.
/// </summary>
internal sealed class PlivoRecordings(IOptions<MainAppOptions> options, IHttpClientFactory httpClients) : IProviderRecordings
{
    /// <summary>The client for Plivo's API and media: it follows no redirect.</summary>
    public const string HttpClientName = "plivo-rest";

    public PhoneProvider Provider => PhoneProvider.Plivo;

    public string CallSidForm => "a Plivo CallUUID (a UUID)";

    public bool IsConfigured => options.Value is { PlivoAuthId: not null, PlivoAuthToken: not null };

    public string MissingSettings => "Plivo calls' recordings need PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN on the main app.";

    public bool IsCallSid(string callSid) => PlivoRecording.IsCallUuid(callSid);

    /// <summary><c>GET {media}/Account/{auth_id}/Recording/{id}.wav</c> (or <c>.mp3</c>); Plivo's error body is never passed on.</summary>
    public async Task<MediaFetch> GetMediaAsync(CallRecording recording, RecordingFormat format, CancellationToken cancellationToken)
    {
        var recordingSid = recording.RecordingSid!;
        var (authId, authToken) = Credentials();
        using var request = PlivoRecordingsApi.CreateMediaRequest(options.Value.PlivoMediaBaseUrl, authId, authToken, recordingSid, format == RecordingFormat.Mp3 ? "mp3" : "wav");
        var media = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return MediaFetch.FromAnswer(media, "Plivo");
    }

    /// <summary><c>DELETE {api}/Account/{auth_id}/Recording/{id}/</c>. A recording Plivo no longer has (404) counts as deleted.</summary>
    public async Task<RecordingDeleteResult> DeleteAsync(string recordingSid, CancellationToken cancellationToken)
    {
        var (authId, authToken) = Credentials();
        using var request = PlivoRecordingsApi.CreateRequest(HttpMethod.Delete, options.Value.PlivoApiBaseUrl, authId, authToken, recordingSid);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? new RecordingDeleteResult(true, null)
                : new RecordingDeleteResult(false, $"Plivo refused: HTTP {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RecordingDeleteResult(false, "Plivo could not be reached");
        }
    }

    private (string AuthId, string AuthToken) Credentials()
    {
        var settings = options.Value;
        return (settings.PlivoAuthId ?? throw new InvalidOperationException("PLIVO_AUTH_ID is not set."),
            settings.PlivoAuthToken ?? throw new InvalidOperationException("PLIVO_AUTH_TOKEN is not set."));
    }
}
