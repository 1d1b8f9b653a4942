using System.Diagnostics.CodeAnalysis;

namespace VoiceServer.Calls;

/// <summary>
/// The live calls of this process that an operator may command, by the provider's call id. A call is listed once it
/// is ready and its configuration was signed for that id, and unlisted when it ends.
/// </summary>
public interface ICallDirectory
{
    /// <summary>Lists <paramref name="session"/> under <paramref name="callSid"/>; false when the id is already listed.</summary>
    bool TryList(string callSid, CallSession session, [NotNullWhen(true)] out IDisposable? listing);
}
