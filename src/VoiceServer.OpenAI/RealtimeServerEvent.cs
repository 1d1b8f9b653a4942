namespace VoiceServer.OpenAI;

/// <summary>One server event read in place: spans point into the message (or scratch, when escapes were undone).</summary>
internal ref struct RealtimeServerEvent
{
    public RealtimeEventType Type;
    public ReadOnlySpan<byte> ResponseId;
    public ReadOnlySpan<byte> ItemId;
    public ReadOnlySpan<byte> PreviousItemId;
    public int ContentIndex;
    public ReadOnlySpan<byte> Delta;
    public ReadOnlySpan<byte> Transcript;
    public ReadOnlySpan<byte> CallId;
    public ReadOnlySpan<byte> Name;
    public ReadOnlySpan<byte> Arguments;
    public ReadOnlySpan<byte> Body;
}
