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
    /// Resolves the configuration. <paramref name="start"/> is null before Twilio's <c>start</c> arrives (the early,
    /// query-only attempt); a resolver may then answer with an error to wait for it.
    /// </summary>
    ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart? start, CancellationToken cancellationToken);
}

/// <summary>Plain parameters: query string and custom parameters (custom wins), the server's key as the fallback.</summary>
public sealed class PlainCallConfigurationResolver(string? serverApiKey) : ICallConfigurationResolver
{
    public ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart? start, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CallParameters.TryResolve(query, start?.CustomParameters, serverApiKey, out var configuration, out var error)
            ? CallConfigurationResult.Success(configuration)
            : CallConfigurationResult.Failure(error));
}
