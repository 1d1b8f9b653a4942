namespace VoiceServer.Calls;

/// <summary>A goodbye timer fired. Runs on a timer thread.</summary>
internal interface IGoodbyeEvents
{
    /// <summary>The call's time limit passed.</summary>
    void OnMaxDurationReached();

    /// <summary>The goodbye was not confirmed in time (the model never answered, or marks never came back).</summary>
    void OnGoodbyeTimedOut();
}
