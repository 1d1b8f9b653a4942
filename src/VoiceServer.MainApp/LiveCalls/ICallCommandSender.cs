using VoiceServer.Commands;

namespace VoiceServer.MainApp.LiveCalls;

/// <summary>Carries a signed command to whichever voice-server instance holds the call, and brings back its answer.</summary>
internal interface ICallCommandSender
{
    /// <summary>
    /// The holding instance's acknowledgement (<c>not_found</c> when no instance holds the call), or null when none came
    /// in time or the voice server could not be reached.
    /// </summary>
    Task<CallCommandAck?> SendAsync(CallCommand command, CancellationToken cancellationToken);
}
