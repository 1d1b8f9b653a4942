namespace VoiceServer.Vonage.Tests;

/// <summary>
/// The resampler measured: frequency and level kept in the passband, content above the output's Nyquist rate
/// removed, and no trace of the 20 ms frame boundaries.
/// </summary>
public sealed class PcmResamplerTests
{
    // Skipped at the start of every measurement: the filter's own delay and its settling (144 taps at 48 kHz ≈ 3 ms).
    private const int SettleMs = 10;

    [Theory]
    [InlineData(1_000)]
    [InlineData(3_400)]
    [InlineData(6_000)]
    public void Up16To24_SineKeepsFrequencyAndAmplitude(int hz)
    {
        var input = Sine(hz, 16_000, amplitude: 10_000, seconds: 1);

        var output = Resample(PcmResampler.Up16To24(), input);

        Assert.InRange(output.Length, 23_990, 24_000);
        var (amplitude, residualDb) = Fit(output, hz, 24_000);
        // Within 0.05 dB of the input level, and what is left once that sine is removed is at least 60 dB down.
        Assert.InRange(amplitude, 10_000 * 0.9943, 10_000 * 1.0058);
        Assert.True(residualDb < -60, $"residual {residualDb:0.0} dB");
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(3_400)]
    [InlineData(6_000)]
    public void Down24To16_SineKeepsFrequencyAndAmplitude(int hz)
    {
        var input = Sine(hz, 24_000, amplitude: 10_000, seconds: 1);

        var output = Resample(PcmResampler.Down24To16(), input);

        Assert.InRange(output.Length, 15_990, 16_000);
        var (amplitude, residualDb) = Fit(output, hz, 16_000);
        Assert.InRange(amplitude, 10_000 * 0.9943, 10_000 * 1.0058);
        Assert.True(residualDb < -60, $"residual {residualDb:0.0} dB");
    }

    [Theory]
    [InlineData(9_000)]
    [InlineData(10_000)]
    [InlineData(11_500)]
    public void Down24To16_AboveTheTargetNyquist_AttenuatedBy80Db(int hz)
    {
        // A tone the 16 kHz side cannot carry would alias to 16 kHz − f: it must be gone instead.
        var input = Sine(hz, 24_000, amplitude: 20_000, seconds: 1);

        var output = Resample(PcmResampler.Down24To16(), input);

        var attenuationDb = 20 * Math.Log10(Rms(output.AsSpan(SettleMs * 16)) / Rms(input));
        Assert.True(attenuationDb < -80, $"{hz} Hz came through at {attenuationDb:0.0} dB");
    }

    [Fact]
    public void Up16To24_NoImagesAboveTheInputNyquist()
    {
        // A 7 kHz tone at 16 kHz has its first image at 9 kHz once up-sampled: it must not be heard.
        var input = Sine(7_000, 16_000, amplitude: 20_000, seconds: 1);

        var output = Resample(PcmResampler.Up16To24(), input);

        var (image, _) = Fit(output, 9_000, 24_000);
        Assert.True(20 * Math.Log10(image / 20_000) < -80, $"image at {20 * Math.Log10(image / 20_000):0.0} dB");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FrameBoundaries_AddNothing_OneSignalEqualsItsTwentyMsPieces(bool up)
    {
        var rate = up ? 16_000 : 24_000;
        var frame = rate / 50;
        var input = Chirp(rate, seconds: 2);
        var whole = Resample(up ? PcmResampler.Up16To24() : PcmResampler.Down24To16(), input);

        var pieces = new List<short>();
        var resampler = up ? PcmResampler.Up16To24() : PcmResampler.Down24To16();
        var output = new short[resampler.MaxOutputSamples(frame)];
        for (var offset = 0; offset < input.Length; offset += frame)
        {
            var written = resampler.Process(input.AsSpan(offset, Math.Min(frame, input.Length - offset)), output);
            pieces.AddRange(output.AsSpan(0, written));
        }

        Assert.Equal(whole, pieces.ToArray());
    }

    [Fact]
    public void TwentyMsIn_TwentyMsOut_EveryFrame()
    {
        var up = PcmResampler.Up16To24();
        var down = PcmResampler.Down24To16();
        var output = new short[1_000];

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(480, up.Process(new short[320], output));
            Assert.Equal(320, down.Process(new short[480], output));
        }
    }

    [Fact]
    public void Process_DestinationTooShort_Throws()
    {
        var resampler = PcmResampler.Up16To24();

        Assert.Throws<ArgumentException>(() => resampler.Process(new short[320], new short[400]));
    }

    internal static short[] Sine(double hz, int rate, double amplitude, double seconds)
    {
        var samples = new short[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * hz * i / rate));
        }

        return samples;
    }

    /// <summary>A sweep from 100 Hz to 7 kHz: every frame boundary lands on different content.</summary>
    private static short[] Chirp(int rate, double seconds)
    {
        var samples = new short[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / (double)rate;
            var hz = 100 + ((7_000 - 100) * t / seconds / 2);
            samples[i] = (short)Math.Round(12_000 * Math.Sin(2 * Math.PI * hz * t));
        }

        return samples;
    }

    private static short[] Resample(PcmResampler resampler, short[] input)
    {
        var output = new short[resampler.MaxOutputSamples(input.Length)];
        var written = resampler.Process(input, output);
        return output[..written];
    }

    /// <summary>Least-squares fit of a sine at <paramref name="hz"/> after settling: its amplitude, and the rest in dB relative to it.</summary>
    internal static (double Amplitude, double ResidualDb) Fit(short[] signal, double hz, int rate)
    {
        var start = SettleMs * rate / 1000;
        var end = signal.Length - start;
        double ss = 0, sc = 0, cc = 0, ys = 0, yc = 0;
        for (var i = start; i < end; i++)
        {
            var s = Math.Sin(2 * Math.PI * hz * i / rate);
            var c = Math.Cos(2 * Math.PI * hz * i / rate);
            ss += s * s;
            sc += s * c;
            cc += c * c;
            ys += signal[i] * s;
            yc += signal[i] * c;
        }

        var determinant = (ss * cc) - (sc * sc);
        var a = ((ys * cc) - (yc * sc)) / determinant;
        var b = ((yc * ss) - (ys * sc)) / determinant;
        var amplitude = Math.Sqrt((a * a) + (b * b));
        double residual = 0;
        for (var i = start; i < end; i++)
        {
            var fitted = (a * Math.Sin(2 * Math.PI * hz * i / rate)) + (b * Math.Cos(2 * Math.PI * hz * i / rate));
            residual += (signal[i] - fitted) * (signal[i] - fitted);
        }

        var residualRms = Math.Sqrt(residual / (end - start));
        return (amplitude, 20 * Math.Log10(Math.Max(residualRms, 1e-9) / (amplitude / Math.Sqrt(2))));
    }

    private static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (var sample in samples)
        {
            sum += sample * (double)sample;
        }

        return Math.Sqrt(sum / samples.Length);
    }
}
