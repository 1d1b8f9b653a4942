using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>Turns what a call brought (query string, Twilio's <c>start</c>) into its validated configuration.</summary>
public interface ICallConfigurationResolver
{
    /// <summary>
    /// Resolves the configuration once <c>start</c> has arrived: nothing a call brings is acted on before it.
    /// </summary>
    ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart start, CancellationToken cancellationToken);
}
