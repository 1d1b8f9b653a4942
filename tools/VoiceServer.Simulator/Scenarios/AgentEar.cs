namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// The agent's audio as the caller hears it: queued as it arrives (faster than real time), played 20 ms at a time,
/// and thrown away unplayed on a <c>clear</c>, as Twilio's buffer does.
/// </summary>
internal sealed class AgentEar
{
    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _chunks = new();
    private int _offset;

    public long BufferedBytes { get; private set; }

    public void Enqueue(byte[] audio)
    {
        lock (_gate)
        {
            _chunks.Enqueue(audio);
            BufferedBytes += audio.Length;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _chunks.Clear();
            _offset = 0;
            BufferedBytes = 0;
        }
    }

    /// <summary>Fills <paramref name="frame"/> with the next audio, silence where there is none; returns the audio bytes.</summary>
    public int Take(Span<byte> frame)
    {
        lock (_gate)
        {
            var written = 0;
            while (written < frame.Length && _chunks.TryPeek(out var chunk))
            {
                var count = Math.Min(frame.Length - written, chunk.Length - _offset);
                chunk.AsSpan(_offset, count).CopyTo(frame[written..]);
                written += count;
                _offset += count;
                if (_offset == chunk.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }

            BufferedBytes -= written;
            frame[written..].Fill(0xFF); // μ-law silence
            return written;
        }
    }
}
