namespace VoiceServer.Calls;

/// <summary>Asks the call to send the gathered keys: the collect pause passed. Runs on a timer thread.</summary>
internal interface IKeypadEvents
{
    void OnKeypadPause();
}
