namespace VoiceServer.Tools;

/// <summary>For hosts without a telephony API: every change reports <see cref="CallControlOutcome.NotConfigured"/>.</summary>
public sealed class NoCallControl : ICallControl
{
    public static NoCallControl Instance { get; } = new();

    public Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken) =>
        Task.FromResult((CallControlOutcome.NotConfigured, "no telephony API credentials"));

    public Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken) =>
        Task.FromResult((CallControlOutcome.NotConfigured, "no telephony API credentials"));
}
