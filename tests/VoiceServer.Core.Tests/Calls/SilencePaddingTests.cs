using System.Buffers.Text;
using VoiceServer.Audio;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class SilencePaddingTests
{
    // 20 ms of μ-law at 8 kHz: 160 bytes, 216 in base64.
    private static readonly byte[] Frame = Base64Encoding(new byte[160]);
    private readonly SilencePadding _padding = new(TimeSpan.FromMilliseconds(200));

    private static byte[] Base64Encoding(byte[] bytes)
    {
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(bytes.Length)];
        Base64.EncodeToUtf8(bytes, encoded, out _, out var written);
        return encoded[..written];
    }

    [Fact]
    public void SilenceFrame_Is20MsOfMuLawSilence()
    {
        var decoded = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(SilencePadding.SilenceFrame));
        Assert.Equal(160, decoded.Length);
        Assert.All(decoded, sample => Assert.Equal(0xFF, sample));
    }

    [Fact]
    public void FramesInSequence_NoPadding()
    {
        Assert.Equal(0, _padding.CountMissingFrames(0, Frame, out var first));
        Assert.Equal(0, _padding.CountMissingFrames(20, Frame, out var second));
        Assert.Equal(0, first);
        Assert.Equal(0, second);
    }

    [Fact]
    public void TwoFramesLost_TwoFramesOfSilence()
    {
        _padding.CountMissingFrames(0, Frame, out _);
        Assert.Equal(2, _padding.CountMissingFrames(60, Frame, out var gapMs));
        Assert.Equal(40, gapMs);
    }

    [Fact]
    public void LongGap_PaddedUpToTheMaximum()
    {
        _padding.CountMissingFrames(0, Frame, out _);
        Assert.Equal(10, _padding.CountMissingFrames(5_020, Frame, out var gapMs));
        Assert.Equal(5_000, gapMs);
    }

    [Fact]
    public void NoTimestamp_NoPaddingAndNoExpectation()
    {
        Assert.Equal(0, _padding.CountMissingFrames(-1, Frame, out _));
        Assert.Equal(0, _padding.CountMissingFrames(1_000, Frame, out _));
    }

    [Fact]
    public void Pcm24_FramesCountedAt48BytesAMillisecond_SilenceIs960ZeroBytes()
    {
        var padding = new SilencePadding(TimeSpan.FromMilliseconds(200)) { Format = ModelAudioFormat.Pcm24 };
        var frame = Base64Encoding(new byte[960]);

        padding.CountMissingFrames(0, frame, out _);
        Assert.Equal(0, padding.CountMissingFrames(20, frame, out _));
        Assert.Equal(2, padding.CountMissingFrames(80, frame, out var gapMs));

        Assert.Equal(40, gapMs);
        var silence = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(padding.FormatSilenceFrame));
        Assert.Equal(960, silence.Length);
        Assert.All(silence, sample => Assert.Equal(0, sample));
    }
}
