using VoiceServer.Audio;

namespace VoiceServer.Core.Tests.Audio;

public sealed class MuLawTests
{
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x00, -32124)]
    [InlineData(0x80, 32124)]
    [InlineData(0xFE, 8)]
    [InlineData(0x7E, -8)]
    [InlineData(0xEF, 132)]
    public void Decode_KnownCodes_MatchG711Table(int code, int expected)
    {
        Assert.Equal(expected, MuLaw.Decode((byte)code));
    }

    [Fact]
    public void Encode_OfEveryDecodedCode_RoundTrips()
    {
        for (var code = 0; code < 256; code++)
        {
            // 0x7F is "negative zero": it decodes to 0, which encodes as the canonical 0xFF.
            var expected = code == 0x7F ? 0xFF : code;
            Assert.Equal(expected, MuLaw.Encode(MuLaw.Decode((byte)code)));
        }
    }

    [Fact]
    public void Encode_ExtremesAndZero_ClipAndStaySilent()
    {
        Assert.Equal(MuLaw.Silence, MuLaw.Encode(0));
        Assert.Equal(0x80, MuLaw.Encode(short.MaxValue));
        Assert.Equal(0x00, MuLaw.Encode(short.MinValue));
    }

    [Fact]
    public void Encode_IsMonotonic_InDecodedValue()
    {
        var previous = int.MinValue;
        for (int sample = short.MinValue; sample <= short.MaxValue; sample += 7)
        {
            var decoded = MuLaw.Decode(MuLaw.Encode((short)sample));
            Assert.True(decoded >= previous, $"not monotonic at {sample}");
            previous = decoded;
        }
    }
}
