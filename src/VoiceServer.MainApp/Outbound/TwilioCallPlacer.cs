using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Outbound;

/// <summary>
/// Places a call through Twilio's REST API with the Twilio SDK (<c>POST /2010-04-01/Accounts/{AccountSid}/Calls.json</c>,
/// Basic auth with <c>TWILIO_ACCOUNT_SID</c> and <c>TWILIO_AUTH_TOKEN</c>).
/// </summary>
internal sealed class TwilioCallPlacer(IOptions<MainAppOptions> options, IHttpClientFactory httpClients)
{
    public const string HttpClientName = "twilio-rest";

    /// <summary>Whether the app has what placing calls needs: the account's credentials and its public URL for Twilio to call back.</summary>
    public bool IsConfigured => options.Value is { TwilioAccountSid: not null, TwilioAuthToken: not null, PublicUrl: not null };

    /// <summary>Twilio's CallSid, or why Twilio did not place the call.</summary>
    public async Task<PlaceResult> PlaceAsync(CreateCallOptions call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var settings = options.Value;
        var accountSid = settings.TwilioAccountSid ?? throw new InvalidOperationException("TWILIO_ACCOUNT_SID is not set.");
        call.PathAccountSid = accountSid;
        var client = new TwilioRestClient(accountSid, settings.TwilioAuthToken, accountSid, httpClient: new SystemNetHttpClient(httpClients.CreateClient(HttpClientName)));
        try
        {
            var created = await CallResource.CreateAsync(call, client).WaitAsync(cancellationToken);
            return new PlaceResult(created.Sid, null, null);
        }
        catch (ApiException ex)
        {
            // Twilio's code names the problem (never the token): https://www.twilio.com/docs/api/errors
            return new PlaceResult(null, ex.Code, $"Twilio refused: HTTP {ex.Status}, code {ex.Code}");
        }
        catch (Exception ex) when (ex is HttpRequestException or ApiConnectionException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new PlaceResult(null, null, "Twilio could not be reached");
        }
    }

    public static CreateCallOptions Options(string to, string from) => new(new PhoneNumber(to), new PhoneNumber(from));

    /// <summary>Sends the SDK's requests to <c>TWILIO_API_BASE_URL</c> instead of <c>https://api.twilio.com</c>, keeping path and query.</summary>
    internal sealed class ApiBaseUrlHandler(Uri baseUrl) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } original)
            {
                request.RequestUri = new UriBuilder(original) { Scheme = baseUrl.Scheme, Host = baseUrl.Host, Port = baseUrl.Port }.Uri;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>The CallSid of a placed call, or Twilio's error code (when it gave one) and a sentence saying why not.</summary>
internal sealed record PlaceResult(string? CallSid, int? TwilioCode, string? Problem);
