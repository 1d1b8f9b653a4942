namespace VoiceServer.Tools;

/// <summary>Ends or redirects the live phone call (Twilio's REST API in production).</summary>
public interface ICallControl
{
    Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken);

    /// <summary><paramref name="number"/> is E.164 and on the call's allowed list (checked by the caller of this).</summary>
    Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken);
}
