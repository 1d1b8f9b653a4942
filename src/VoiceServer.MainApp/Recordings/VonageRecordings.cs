using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Vonage;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Vonage's recordings with the application's credentials (<c>VONAGE_APPLICATION_ID</c>, <c>VONAGE_PRIVATE_KEY</c>: a
/// fresh application JWT, Bearer, for each request). The file is fetched from the URL its callback sent, kept only once
/// checked to be a file on an origin of <c>VONAGE_RECORDING_ORIGINS</c> and checked again before each fetch; no
/// redirect is followed. Vonage documents no way to delete a call's recording through its API: a delete forgets it
/// here, and Vonage keeps its copy until its own retention ends.
/// </summary>
internal sealed class VonageRecordings : IProviderRecordings, IDisposable
{
    /// <summary>The client for Vonage's API: it follows no redirect.</summary>
    public const string HttpClientName = "vonage-rest";

    /// <summary>What a delete answers for a Vonage call's recording: what was done, and what was not.</summary>
    public const string DeleteNote =
        "The recording is forgotten here: the admin API no longer lists or serves it. Vonage's API offers no way to delete a call's recording, so Vonage keeps its copy until Vonage's own retention ends.";

    private readonly IOptions<MainAppOptions> _options;
    private readonly IHttpClientFactory _httpClients;
    private readonly VonageApplicationToken? _token;
    private int _unfetchableWarned;

    public VonageRecordings(IOptions<MainAppOptions> options, IHttpClientFactory httpClients, TimeProvider timeProvider)
    {
        _options = options;
        _httpClients = httpClients;
        // Both settings were checked at start-up: a token can be made from them.
        _token = options.Value is { VonageApplicationId: { } applicationId, VonagePrivateKey: { } privateKey }
            ? new VonageApplicationToken(applicationId, privateKey, timeProvider)
            : null;
    }

    public PhoneProvider Provider => PhoneProvider.Vonage;

    public string CallSidForm => "a Vonage call uuid (a UUID)";

    public bool IsConfigured => _token is not null;

    public string MissingSettings => "Vonage calls' recordings need VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY on the main app.";

    public bool IsCallSid(string callSid) => VonageRecording.IsCallUuid(callSid);

    /// <summary>
    /// <c>GET {recording_url}</c> with an application JWT. Vonage keeps the file in the format it was recorded in
    /// (WAV, <see cref="VonageRecording.RecordAction"/>): MP3 is not there to fetch.
    /// </summary>
    public async Task<MediaFetch> GetMediaAsync(CallRecording recording, RecordingFormat format, CancellationToken cancellationToken)
    {
        if (format != RecordingFormat.Wav)
        {
            return MediaFetch.Missing("Vonage records calls as WAV only");
        }

        // Checked again: VONAGE_RECORDING_ORIGINS may have narrowed since the callback came.
        if (recording.MediaUrl is not { } url || VonageRecording.MediaUrl(url.AbsoluteUri, _options.Value.VonageRecordingOrigins) is not { } allowed)
        {
            return MediaFetch.Refused($"the recording's URL is on {recording.MediaUrl?.Host ?? "no host"}, not an origin of VONAGE_RECORDING_ORIGINS");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, allowed);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token().Create());
        var media = await _httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return MediaFetch.FromAnswer(media, "Vonage");
    }

    /// <summary>Nothing to ask Vonage: the recording is forgotten here only, and the answer says so.</summary>
    public Task<RecordingDeleteResult> DeleteAsync(string recordingSid, CancellationToken cancellationToken) =>
        Task.FromResult(new RecordingDeleteResult(true, null, DeleteNote));

    /// <summary>True the first time only, while the settings are missing: the warning that says so is logged once.</summary>
    public bool FirstUnfetchableRecording() => _token is null && Interlocked.Exchange(ref _unfetchableWarned, 1) == 0;

    public void Dispose() => _token?.Dispose();

    private VonageApplicationToken Token() => _token ?? throw new InvalidOperationException("VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY are not set.");
}
