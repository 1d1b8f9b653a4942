namespace VoiceServer.Vonage;

/// <summary>
/// A streaming rational resampler for 16-bit PCM between Vonage's 16 kHz and the model's 24 kHz: up by
/// <c>L</c>, a Kaiser-windowed sinc low-pass at the common 48 kHz rate, down by <c>M</c>, computed in polyphase form
/// so only the non-zero products are taken. The filter keeps its history across calls, so a signal fed in 20 ms
/// pieces comes out sample for sample as if fed in one piece. Allocation-free after construction.
/// </summary>
/// <remarks>
/// One filter serves both directions: cut-off 8 kHz (the Nyquist rate of 16 kHz), passband to 7 kHz, stopband from
/// 9 kHz, 144 taps with β = 8.6 (about 85 dB of stopband attenuation by the Kaiser formula). Up-sampling it removes
/// the images above 8 kHz; down-sampling it removes what would alias. The delay is 71.5 taps at 48 kHz (≈ 1.5 ms).
/// Not thread-safe: one instance per direction of a call.
/// </remarks>
public sealed class PcmResampler
{
    /// <summary>Taps of the prototype filter at 48 kHz; a multiple of 2 and 3 so every phase has the same length.</summary>
    public const int FilterTaps = 144;

    private const int IntermediateRate = 48_000;
    private const double CutoffHz = 8_000;
    private const double KaiserBeta = 8.6;

    // The largest input a call takes at once: longer inputs are processed in pieces of this size.
    private const int MaxChunkSamples = 4_096;

    private readonly int _up;
    private readonly int _down;
    private readonly int _tapsPerPhase;

    /// <summary>Per phase p, taps h[p + L·k] for k = 0…P−1, stored contiguously.</summary>
    private readonly float[] _phases;

    /// <summary>The last P−1 input samples, then the current input.</summary>
    private readonly float[] _buffer;

    /// <summary>Where the next output falls, at the intermediate rate, counted from <c>_buffer[0]</c>.</summary>
    private long _position;

    private PcmResampler(int inputRate, int outputRate)
    {
        _up = IntermediateRate / inputRate;
        _down = IntermediateRate / outputRate;
        _tapsPerPhase = FilterTaps / _up;
        _phases = BuildPhases(_up, _tapsPerPhase);
        _buffer = new float[_tapsPerPhase - 1 + MaxChunkSamples];
        Reset();
    }

    /// <summary>Vonage's 16 kHz to the model's 24 kHz (L = 3, M = 2).</summary>
    public static PcmResampler Up16To24() => new(16_000, 24_000);

    /// <summary>The model's 24 kHz to Vonage's 16 kHz (L = 2, M = 3).</summary>
    public static PcmResampler Down24To16() => new(24_000, 16_000);

    public int InputRate => IntermediateRate / _up;

    public int OutputRate => IntermediateRate / _down;

    /// <summary>The most output <paramref name="inputSamples"/> can produce (for sizing the destination).</summary>
    public int MaxOutputSamples(int inputSamples) => (int)((((long)inputSamples + 1) * _up / _down) + 1);

    /// <summary>Forgets the history: the next sample starts from silence (after a barge-in flushed the audio).</summary>
    public void Reset()
    {
        Array.Clear(_buffer);
        _position = (long)(_tapsPerPhase - 1) * _up;
    }

    /// <summary>Resamples <paramref name="input"/> into <paramref name="output"/>; returns how many samples it wrote.</summary>
    public int Process(ReadOnlySpan<short> input, Span<short> output)
    {
        if (output.Length < MaxOutputSamples(input.Length))
        {
            throw new ArgumentException("The destination is too short for the input.", nameof(output));
        }

        var written = 0;
        while (!input.IsEmpty)
        {
            var take = Math.Min(input.Length, MaxChunkSamples);
            written += ProcessChunk(input[..take], output[written..]);
            input = input[take..];
        }

        return written;
    }

    private int ProcessChunk(ReadOnlySpan<short> input, Span<short> output)
    {
        var history = _tapsPerPhase - 1;
        for (var i = 0; i < input.Length; i++)
        {
            _buffer[history + i] = input[i];
        }

        var available = history + input.Length;
        var written = 0;
        var phases = _phases.AsSpan();
        while (_position / _up < available)
        {
            var newest = (int)(_position / _up);
            var phase = (int)(_position - ((long)newest * _up));
            var taps = phases.Slice(phase * _tapsPerPhase, _tapsPerPhase);
            var samples = _buffer.AsSpan(newest - _tapsPerPhase + 1, _tapsPerPhase);

            // taps[k] multiplies x[newest − k]: the window runs backwards through the samples.
            var sum = 0f;
            for (var k = 0; k < taps.Length; k++)
            {
                sum += taps[k] * samples[^(k + 1)];
            }

            output[written++] = (short)Math.Clamp(MathF.Round(sum), short.MinValue, short.MaxValue);
            _position += _down;
        }

        // Keep the newest P−1 samples as the next chunk's history.
        _buffer.AsSpan(available - history, history).CopyTo(_buffer);
        _position -= (long)input.Length * _up;
        return written;
    }

    private static float[] BuildPhases(int up, int tapsPerPhase)
    {
        var taps = up * tapsPerPhase;
        var prototype = new double[taps];
        var center = (taps - 1) / 2.0;
        var normalizedCutoff = CutoffHz / IntermediateRate;
        var sum = 0.0;
        for (var j = 0; j < taps; j++)
        {
            var m = j - center;
            var x = 2 * normalizedCutoff * m;
            var sinc = Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
            var ratio = m / center;
            var window = BesselI0(KaiserBeta * Math.Sqrt(Math.Max(0, 1 - (ratio * ratio)))) / BesselI0(KaiserBeta);
            prototype[j] = 2 * normalizedCutoff * sinc * window;
            sum += prototype[j];
        }

        // Only one tap in L meets a real sample, so the filter's DC gain must be L for unity gain overall.
        var phases = new float[taps];
        for (var p = 0; p < up; p++)
        {
            for (var k = 0; k < tapsPerPhase; k++)
            {
                phases[(p * tapsPerPhase) + k] = (float)(prototype[p + (up * k)] * up / sum);
            }
        }

        return phases;
    }

    /// <summary>The zeroth-order modified Bessel function of the first kind, by its power series.</summary>
    private static double BesselI0(double x)
    {
        var term = 1.0;
        var sum = 1.0;
        var quarterSquare = x * x / 4;
        for (var k = 1; k < 50; k++)
        {
            term *= quarterSquare / (k * k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
