using System.Net;
using System.Xml.Linq;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using Twilio.Types;
using VoiceServer.Tools;

namespace VoiceServer.Twilio;

/// <summary>
/// Ends or redirects a live call through Twilio's REST API with the Twilio SDK: <c>Status=completed</c> to hang up,
/// <c>Twiml=&lt;Response&gt;&lt;Dial&gt;&lt;Number&gt;…</c> (built by the SDK, so every value is escaped) to transfer.
/// A call that has already ended (404 / 20404, or 21220 "not in-progress") counts as hung up.
/// </summary>
public sealed class TwilioCallControl : ICallControl
{
    private const int NotFoundCode = 20404;
    private const int CallNotInProgressCode = 21220;

    private readonly TwilioRestClient _client;
    private readonly string _accountSid;

    /// <param name="accountSid">The account (<c>TWILIO_ACCOUNT_SID</c>).</param>
    /// <param name="authToken">Its Auth Token. Never logged.</param>
    /// <param name="httpClient">The HTTP client the SDK sends through (a test or proxy may point it elsewhere).</param>
    public TwilioCallControl(string accountSid, string authToken, System.Net.Http.HttpClient httpClient)
    {
        _accountSid = accountSid;
        _client = new TwilioRestClient(accountSid, authToken, accountSid, httpClient: new SystemNetHttpClient(httpClient));
    }

    public async Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken)
    {
        var options = new UpdateCallOptions(callSid) { PathAccountSid = _accountSid, Status = CallResource.UpdateStatusEnum.Completed };
        return await UpdateAsync(options, alreadyEndedIsDone: true, cancellationToken);
    }

    public async Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken)
    {
        var options = new UpdateCallOptions(callSid) { PathAccountSid = _accountSid, Twiml = new Twiml(TransferTwiml(number)) };
        return await UpdateAsync(options, alreadyEndedIsDone: false, cancellationToken);
    }

    /// <summary>The transfer document, for tests and logs: exactly what is sent.</summary>
    public static string TransferTwiml(string number) =>
        new VoiceResponse().Append(new Dial().Number(new PhoneNumber(number))).ToString(SaveOptions.DisableFormatting);

    private async Task<(CallControlOutcome Outcome, string Detail)> UpdateAsync(UpdateCallOptions options, bool alreadyEndedIsDone, CancellationToken cancellationToken)
    {
        try
        {
            // The SDK takes no token: the wait is bounded by the caller, which abandons it on timeout.
            await CallResource.UpdateAsync(options, _client).WaitAsync(cancellationToken);
            return (CallControlOutcome.Done, "updated");
        }
        catch (ApiException ex) when (ex.Code is NotFoundCode or CallNotInProgressCode || ex.Status == (int)HttpStatusCode.NotFound)
        {
            return alreadyEndedIsDone ? (CallControlOutcome.Done, "the call had already ended") : (CallControlOutcome.Failed, "the call has already ended");
        }
        catch (ApiException ex)
        {
            // Twilio's message names the problem (never the token).
            return (CallControlOutcome.Failed, $"Twilio refused: HTTP {ex.Status}, code {ex.Code}");
        }
        catch (ApiConnectionException)
        {
            return (CallControlOutcome.Failed, "Twilio could not be reached");
        }
    }
}
