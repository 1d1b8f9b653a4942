namespace VoiceServer.Simulator.Scenarios;

public enum Speaker
{
    Caller,
    Agent,
}

/// <summary>
/// One turn of a simulated call. The caller's words are its Realtime session's own transcript of what it said; the
/// agent's are that session's transcription of the agent's audio as the caller heard it (so an agent cut off by the
/// caller shows only what was heard before the cut).
/// </summary>
/// <param name="Speaker">Who spoke.</param>
/// <param name="Text">What was said.</param>
/// <param name="At">From the start of the call to the turn's first audio (caller) or its commit (agent).</param>
/// <param name="Interrupted">The caller was cut off by the agent before its audio had all been sent.</param>
public sealed record TranscriptTurn(Speaker Speaker, string Text, TimeSpan At, bool Interrupted = false)
{
    public override string ToString() =>
        $"{(Speaker == Speaker.Caller ? "Caller" : "Agent")}: {Text}{(Interrupted ? " (cut off)" : string.Empty)}";
}
