using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>A resolved configuration, or the error naming what was wrong.</summary>
public readonly record struct CallConfigurationResult(CallConfiguration? Configuration, CallParameterError? Error)
{
    public static CallConfigurationResult Success(CallConfiguration configuration) => new(configuration, null);

    public static CallConfigurationResult Failure(CallParameterError error) => new(null, error);
}

/// <summary>Turns what a call brought (query string, Twilio's <c>start</c>) into its validated configuration.</summary>
public interface ICallConfigurationResolver
{
    /// <summary>
    /// Resolves the configuration once <c>start</c> has arrived: nothing a call brings is acted on before it.
    /// </summary>
    ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart start, CancellationToken cancellationToken);
}
