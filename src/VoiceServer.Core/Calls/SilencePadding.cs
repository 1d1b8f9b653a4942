using VoiceServer.Audio;

namespace VoiceServer.Calls;

/// <summary>
/// Frames lost on the way from the caller (a jump in <c>media.timestamp</c>) would leave the model's VAD waiting for
/// silence that never comes, so the gap is filled with silence, in whole 20 ms frames, up to
/// <see cref="CallSessionOptions.MaxSilencePadding"/>, in the call's <see cref="ModelAudioFormat"/>. On the per-frame path: allocates nothing.
/// Not thread-safe: the session calls it one frame at a time.
/// </summary>
internal sealed class SilencePadding(TimeSpan maxPadding)
{
    private long _nextTimestampMs = -1;

    /// <summary>20 ms of μ-law silence (160 × 0xFF), base64.</summary>
    public static ReadOnlySpan<byte> SilenceFrame => "/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////w=="u8;

    /// <summary>The caller's audio format, set at <c>start</c>: it sizes the frames and the silence.</summary>
    public ModelAudioFormat Format { get; set; }

    /// <summary>20 ms of silence in <see cref="Format"/>, base64.</summary>
    public ReadOnlySpan<byte> FormatSilenceFrame => Format.SilenceFrame();

    /// <summary>
    /// Per caller frame: how many silence frames go before this one; <paramref name="gapMs"/> is the gap they fill
    /// (0 when none was found). A negative <paramref name="timestampMs"/> means the frame had none.
    /// </summary>
    public int CountMissingFrames(long timestampMs, ReadOnlySpan<byte> base64Audio, out long gapMs)
    {
        gapMs = 0;
        if (timestampMs < 0)
        {
            return 0;
        }

        var expected = _nextTimestampMs;
        _nextTimestampMs = timestampMs + (Base64Length.GetDecodedLength(base64Audio) / Format.BytesPerMillisecond());
        var gap = timestampMs - expected;
        if (expected < 0 || gap < 20)
        {
            return 0;
        }

        gapMs = gap;
        return (int)Math.Min((gap + 10) / 20, maxPadding.Ticks / TimeSpan.TicksPerMillisecond / 20);
    }
}
