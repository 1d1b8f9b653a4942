using VoiceServer.Calls;

namespace VoiceServer.Tools;

/// <summary>One call of a tool by the model, with what the receiver needs to know about the phone call.</summary>
public sealed record ToolInvocation(string CallId, string? CallSid, string? AgentId, string ToolCallId, string Name, string ArgumentsJson);

/// <summary>
/// Runs webhook tools. Returns the output the model is given (a JSON string); failures come back as an error object
/// in the output, so the model can talk about them, rather than as exceptions.
/// </summary>
public interface IToolRunner
{
    Task<string> RunAsync(ToolDefinition tool, ToolInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>What happened when the live phone call was changed through the telephony provider's API.</summary>
public enum CallControlOutcome
{
    /// <summary>Done (or the call had already ended, which counts as done for a hang-up).</summary>
    Done,

    /// <summary>No API credentials are configured: the caller's socket is the only lever.</summary>
    NotConfigured,

    /// <summary>The provider refused or could not be reached.</summary>
    Failed,
}

/// <summary>Ends or redirects the live phone call (Twilio's REST API in production).</summary>
public interface ICallControl
{
    Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken);

    /// <summary><paramref name="number"/> is E.164 and on the call's allowed list (checked by the caller of this).</summary>
    Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken);
}

/// <summary>For hosts without a telephony API: every change reports <see cref="CallControlOutcome.NotConfigured"/>.</summary>
public sealed class NoCallControl : ICallControl
{
    public static NoCallControl Instance { get; } = new();

    public Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken) =>
        Task.FromResult((CallControlOutcome.NotConfigured, "no telephony API credentials"));

    public Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken) =>
        Task.FromResult((CallControlOutcome.NotConfigured, "no telephony API credentials"));
}
