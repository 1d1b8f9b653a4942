namespace VoiceServer.Calls;

/// <summary>The idle timer of one arming fired. Runs on a timer thread.</summary>
internal interface IIdleEvents
{
    void OnIdleTimerFired(long arming);
}
