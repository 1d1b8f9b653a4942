using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Outbound;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// Twilio's Recordings resource, with the account's credentials (<c>TWILIO_ACCOUNT_SID</c>, <c>TWILIO_AUTH_TOKEN</c>,
/// Basic auth), through the same HTTP client as outbound calls (so <c>TWILIO_API_BASE_URL</c> applies). Every URL is
/// built here from the account and a RecordingSid checked to be one: never from a URL a callback sent.
/// </summary>
internal sealed class TwilioRecordings(IOptions<MainAppOptions> options, IHttpClientFactory httpClients) : IProviderRecordings
{
    private static readonly Uri s_api = new("https://api.twilio.com");

    public PhoneProvider Provider => PhoneProvider.Twilio;

    public string CallSidForm => "a Twilio CallSid (CA and 32 hexadecimal digits)";

    /// <summary>Whether the app has the account's credentials to fetch and delete recordings.</summary>
    public bool IsConfigured => options.Value is { TwilioAccountSid: not null, TwilioAuthToken: not null };

    public string MissingSettings => "Recordings need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN on the main app.";

    public bool IsCallSid(string callSid) => TwilioRecording.IsCallSid(callSid);

    /// <summary>Twilio's answer for the media, or why there is none (its answer names the account: only its status is kept).</summary>
    async Task<MediaFetch> IProviderRecordings.GetMediaAsync(CallRecording recording, RecordingFormat format, CancellationToken cancellationToken)
    {
        var recordingSid = recording.RecordingSid!;
        var media = await GetMediaAsync(recordingSid, format, cancellationToken);
        return MediaFetch.FromAnswer(media, "Twilio");
    }

    /// <summary>
    /// <c>GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.wav</c> (or <c>.mp3</c>): the answer once its
    /// headers are in, its body still to be read, so the media can be streamed on without being held whole.
    /// </summary>
    public async Task<HttpResponseMessage> GetMediaAsync(string recordingSid, RecordingFormat format, CancellationToken cancellationToken)
    {
        var (accountSid, authToken) = Credentials(recordingSid);
        var extension = format == RecordingFormat.Mp3 ? "mp3" : "wav";
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, new Uri(s_api, $"/2010-04-01/Accounts/{Uri.EscapeDataString(accountSid)}/Recordings/{recordingSid}.{extension}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")));
        return await httpClients.CreateClient(TwilioCallPlacer.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>
    /// Deletes the recording with the Twilio SDK (<c>DELETE /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}.json</c>).
    /// A recording Twilio no longer has (404) counts as deleted.
    /// </summary>
    public async Task<RecordingDeleteResult> DeleteAsync(string recordingSid, CancellationToken cancellationToken)
    {
        var (accountSid, authToken) = Credentials(recordingSid);
        var client = new TwilioRestClient(accountSid, authToken, accountSid, httpClient: new SystemNetHttpClient(httpClients.CreateClient(TwilioCallPlacer.HttpClientName)));
        try
        {
            await RecordingResource.DeleteAsync(pathSid: recordingSid, pathAccountSid: accountSid, client: client).WaitAsync(cancellationToken);
            return new RecordingDeleteResult(true, null);
        }
        catch (ApiException ex) when (ex.Status == StatusCodes.Status404NotFound)
        {
            return new RecordingDeleteResult(true, null);
        }
        catch (ApiException ex)
        {
            // Twilio's code names the problem (never the token): https://www.twilio.com/docs/api/errors
            return new RecordingDeleteResult(false, $"Twilio refused: HTTP {ex.Status}, code {ex.Code}");
        }
        catch (Exception ex) when (ex is HttpRequestException or ApiConnectionException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RecordingDeleteResult(false, "Twilio could not be reached");
        }
    }

    private (string AccountSid, string AuthToken) Credentials(string recordingSid)
    {
        if (!TwilioRecording.IsRecordingSid(recordingSid))
        {
            throw new ArgumentException("Not a Twilio RecordingSid.", nameof(recordingSid));
        }

        var settings = options.Value;
        return (settings.TwilioAccountSid ?? throw new InvalidOperationException("TWILIO_ACCOUNT_SID is not set."),
            settings.TwilioAuthToken ?? throw new InvalidOperationException("TWILIO_AUTH_TOKEN is not set."));
    }
}

/// <summary>Whether Twilio no longer has the recording, or a sentence saying why it still does.</summary>
/// <summary>
/// Whether the recording is deleted, or the <paramref name="Problem"/>; <paramref name="Note"/> says what the provider
/// keeps when it offers no deletion (the recording is then forgotten here only).
/// </summary>
internal sealed record RecordingDeleteResult(bool Deleted, string? Problem, string? Note = null);

/// <summary>The media formats Twilio serves a recording in.</summary>
internal enum RecordingFormat
{
    Wav,
    Mp3,
}
