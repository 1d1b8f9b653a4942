namespace VoiceServer.Calls;

/// <summary>A resolved configuration, or the error naming what was wrong.</summary>
public readonly record struct CallConfigurationResult(CallConfiguration? Configuration, CallParameterError? Error)
{
    public static CallConfigurationResult Success(CallConfiguration configuration) => new(configuration, null);

    public static CallConfigurationResult Failure(CallParameterError error) => new(null, error);
}
