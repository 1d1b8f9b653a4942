using VoiceServer.Audio;
using VoiceServer.Diagnostics;
using VoiceServer.Legs;
using VoiceServer.Playback;

namespace VoiceServer.Calls;

/// <summary>The caller → model pump: Twilio's events as the call sees them.</summary>
public sealed partial class CallSession
{
    void ICallerEvents.OnConnected() => Log.CallerConnected(_logger);

    void ICallerEvents.OnStart(CallerStart start)
    {
        lock (_gate)
        {
            if (_started)
            {
                Log.DuplicateStart(_logger);
                return;
            }

            _started = true;
            _logScope.CallSid = start.CallSid;
            _logScope.StreamSid = start.StreamSid;
            _playback.StartGeneration();
        }

        Log.StartReceived(_logger, start.CallSid, start.StreamSid);
        _start.TrySetResult(start);
    }

    void ICallerEvents.OnMedia(ReadOnlySpan<byte> base64Audio, long timestampMs)
    {
        lock (_gate)
        {
            var silenceFrames = CountMissingFrames(timestampMs, base64Audio);
            if (_audioFlowing)
            {
                var leg = _model!.Leg!;
                var sent = true;
                for (var i = 0; i < silenceFrames && sent; i++)
                {
                    sent = leg.TryAppendAudio(SilenceFrame);
                }

                if (sent && leg.TryAppendAudio(base64Audio))
                {
                    _metrics.FrameRelayed(RelayDirection.CallerToModel);
                }
                else
                {
                    End(CallEndReason.SlowPeer, "the model is not keeping up with caller audio");
                }
            }
            else if (_started && !_end.Task.IsCompleted)
            {
                // Until the model confirms μ-law both ways, audio waits here: none lost, none sent in the wrong format.
                for (var i = 0; i < silenceFrames; i++)
                {
                    _pendingAudio.TryAdd(SilenceFrame);
                }

                if (!_pendingAudio.TryAdd(base64Audio) && _pendingAudio.DroppedFrames == 1)
                {
                    Log.PendingAudioFull(_logger, _options.MaxPendingAudioBytes);
                }
            }
        }
    }

    /// <summary>20 ms of μ-law silence (160 × 0xFF), base64.</summary>
    private static ReadOnlySpan<byte> SilenceFrame => "/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////w=="u8;

    /// <summary>
    /// Called under _gate per frame. Frames lost on the way (a jump in <c>media.timestamp</c>) would leave the model's
    /// VAD waiting for silence that never comes, so the gap is filled with silence, in whole 20 ms frames, up to
    /// <see cref="CallSessionOptions.MaxSilencePadding"/>. Returns how many silence frames go before this one.
    /// </summary>
    private int CountMissingFrames(long timestampMs, ReadOnlySpan<byte> base64Audio)
    {
        if (timestampMs < 0)
        {
            return 0;
        }

        var expected = _nextMediaTimestampMs;
        _nextMediaTimestampMs = timestampMs + (Base64Length.GetDecodedLength(base64Audio) / 8);
        var gapMs = timestampMs - expected;
        if (expected < 0 || gapMs < 20)
        {
            return 0;
        }

        var frames = (int)Math.Min((gapMs + 10) / 20, _options.MaxSilencePadding.Ticks / TimeSpan.TicksPerMillisecond / 20);
        Log.SilencePadded(_logger, gapMs, frames);
        return frames;
    }

    void ICallerEvents.OnMark(ReadOnlySpan<byte> name)
    {
        MarkOutcome outcome;
        lock (_gate)
        {
            outcome = _playback.OnMarkReturned(name);
            if (outcome == MarkOutcome.PlaybackFinished)
            {
                EndAfterGoodbyeIfPlayed();
                RecycleIfQuiet();
                ArmIdleTimerIfQuiet();
            }
        }

        if (outcome == MarkOutcome.Unknown)
        {
            Log.UnknownMark(_logger);
        }
        else
        {
            Log.MarkReturned(_logger, outcome);
        }
    }

    void ICallerEvents.OnDtmf(string digit)
    {
        lock (_gate)
        {
            OnKey(digit);
        }

        // Logged once the key is handled, so the line means its pause timer is armed. Digits are often PINs: the
        // digit itself stays out of the log.
        Log.DtmfReceived(_logger);
    }

    void ICallerEvents.OnStop() => EndAsCallerLeft(CallEndReason.CallerStopped, "the caller's stream stopped");

    /// <summary>
    /// The caller's stream ended. While the agent's hang-up or transfer is being carried out, that is its effect
    /// (Twilio stops the stream when the call is updated), so the call ends for the agent's reason.
    /// </summary>
    private void EndAsCallerLeft(CallEndReason reason, string detail)
    {
        lock (_gate)
        {
            if (_goodbye == GoodbyeState.Finishing && _pendingCallControl is { } request)
            {
                End(request.Reason, request.Detail);
                return;
            }
        }

        End(reason, detail);
    }

    void ICallerEvents.OnMalformedMessage(string detail)
    {
        _metrics.MalformedMessage();
        Log.MalformedCallerMessage(_logger, detail);
    }
}
