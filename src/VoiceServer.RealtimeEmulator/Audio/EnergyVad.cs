using VoiceServer.Audio;

namespace VoiceServer.RealtimeEmulator.Audio;

/// <summary>
/// A frame-energy voice activity detector for 8 kHz μ-law: RMS per 20 ms frame against a level derived from
/// <c>turn_detection.threshold</c>. Crude next to the real server VAD, but deterministic and good enough to find
/// turns in telephone audio.
/// </summary>
/// <remarks>
/// <para>
/// Threshold mapping: <c>threshold</c> 0.0–1.0 maps linearly in decibels from −60 dBFS to −20 dBFS, so the
/// default 0.5 is −40 dBFS (RMS ≈ 328 of 32768). Telephone speech sits around −20 dBFS and a quiet line below
/// −50 dBFS; digital silence decodes to 0.
/// </para>
/// <para>
/// Speech starts after <see cref="MinSpeechFrames"/> consecutive frames above the level (a click is not a turn) and
/// is dated from the first of them. Once speaking, a frame counts as voice down to half that level (−6 dB) so quiet
/// word endings do not start the silence clock; <c>silence_duration_ms</c> of frames below it end the turn.
/// </para>
/// </remarks>
internal sealed class EnergyVad
{
    /// <summary>20 ms at 8 kHz, one byte per sample: Twilio's frame size too.</summary>
    public const int FrameBytes = 160;

    public const int FrameMs = FrameBytes / MuLaw.BytesPerMillisecond;

    /// <summary>Consecutive loud frames needed before speech is reported (60 ms).</summary>
    public const int MinSpeechFrames = 3;

    private const double MinThresholdDbfs = -60;
    private const double MaxThresholdDbfs = -20;
    private const double FullScale = 32768;

    private readonly byte[] _carry = new byte[FrameBytes];
    private readonly short[] _samples = new short[FrameBytes];
    private int _carryLength;
    private long _positionBytes;

    private VadSettings _settings;
    private double _startMeanSquare;
    private double _holdMeanSquare;
    private int _silenceFramesToStop;

    private int _loudRun;
    private long _loudRunStartBytes;
    private int _quietRun;
    private long _lastVoicedEndBytes;

    public EnergyVad(VadSettings settings)
    {
        Configure(settings);
    }

    public bool InSpeech { get; private set; }

    /// <summary>Milliseconds of audio fed so far (complete frames and the carried partial one).</summary>
    public long PositionMs => _positionBytes / MuLaw.BytesPerMillisecond;

    public VadSettings Settings => _settings;

    /// <summary>The RMS level (of 32768) a frame needs to count as speech at <paramref name="threshold"/>.</summary>
    public static double ThresholdToRms(double threshold)
    {
        var clamped = Math.Clamp(threshold, 0, 1);
        var dbfs = MinThresholdDbfs + ((MaxThresholdDbfs - MinThresholdDbfs) * clamped);
        return FullScale * Math.Pow(10, dbfs / 20);
    }

    /// <summary>Changes the parameters without losing the current state (a <c>session.update</c> mid-call).</summary>
    public void Configure(VadSettings settings)
    {
        _settings = settings;
        var rms = ThresholdToRms(settings.Threshold);
        _startMeanSquare = rms * rms;
        _holdMeanSquare = _startMeanSquare / 4;
        _silenceFramesToStop = (int)Math.Clamp(((long)settings.SilenceDurationMs + FrameMs - 1) / FrameMs, 1, int.MaxValue);
    }

    /// <summary>Forgets any turn in progress (buffer cleared or committed by hand). The clock keeps running.</summary>
    public void Reset()
    {
        InSpeech = false;
        _carryLength = 0;
        _loudRun = 0;
        _quietRun = 0;
    }

    /// <summary>Feeds μ-law audio; transitions found in it are appended to <paramref name="events"/>.</summary>
    public void Process(ReadOnlySpan<byte> mulaw, List<VadEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);

        while (!mulaw.IsEmpty)
        {
            var take = Math.Min(FrameBytes - _carryLength, mulaw.Length);
            mulaw[..take].CopyTo(_carry.AsSpan(_carryLength));
            _carryLength += take;
            _positionBytes += take;
            mulaw = mulaw[take..];

            if (_carryLength == FrameBytes)
            {
                _carryLength = 0;
                ProcessFrame(_carry, events);
            }
        }
    }

    private void ProcessFrame(ReadOnlySpan<byte> frame, List<VadEvent> events)
    {
        var meanSquare = MeanSquare(frame);
        var frameEnd = _positionBytes;
        var frameStart = frameEnd - FrameBytes;

        if (!InSpeech)
        {
            if (meanSquare < _startMeanSquare)
            {
                _loudRun = 0;
                return;
            }

            if (_loudRun++ == 0)
            {
                _loudRunStartBytes = frameStart;
            }

            if (_loudRun >= MinSpeechFrames)
            {
                InSpeech = true;
                _quietRun = 0;
                _lastVoicedEndBytes = frameEnd;
                var speechMs = _loudRunStartBytes / MuLaw.BytesPerMillisecond;
                var audioStartMs = Math.Max(0, speechMs - Math.Max(0, _settings.PrefixPaddingMs));
                events.Add(new VadEvent(VadTransition.SpeechStarted, audioStartMs, speechMs));
            }

            return;
        }

        if (meanSquare >= _holdMeanSquare)
        {
            _quietRun = 0;
            _lastVoicedEndBytes = frameEnd;
            return;
        }

        if (++_quietRun >= _silenceFramesToStop)
        {
            InSpeech = false;
            _loudRun = 0;
            _quietRun = 0;
            events.Add(new VadEvent(
                VadTransition.SpeechStopped,
                frameEnd / MuLaw.BytesPerMillisecond,
                _lastVoicedEndBytes / MuLaw.BytesPerMillisecond));
        }
    }

    private double MeanSquare(ReadOnlySpan<byte> frame)
    {
        MuLaw.Decode(frame, _samples);
        double sum = 0;
        foreach (var sample in _samples)
        {
            sum += sample * (double)sample;
        }

        return sum / FrameBytes;
    }
}
