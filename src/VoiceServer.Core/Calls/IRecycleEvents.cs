namespace VoiceServer.Calls;

/// <summary>A recycle timer fired: the session should be replaced at the next quiet moment (or now, if urgent). Runs on a timer thread.</summary>
internal interface IRecycleEvents
{
    void OnRecycleDue(bool urgent);
}
