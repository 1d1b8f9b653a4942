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
            // An unsupported format keeps μ-law here; the set-up refuses the call before any audio moves.
            if (TryGetAudioFormat(start, out var format, out _))
            {
                UseAudioFormat(format);
            }

            _playback.StartGeneration();
        }

        Log.StartReceived(_logger, start.CallSid, start.StreamSid);
        _start.TrySetResult(start);
    }

    void ICallerEvents.OnMedia(ReadOnlySpan<byte> base64Audio, long timestampMs)
    {
        lock (_gate)
        {
            var silenceFrames = _silence.CountMissingFrames(timestampMs, base64Audio, out var gapMs);
            if (gapMs > 0)
            {
                Log.SilencePadded(_logger, gapMs, silenceFrames);
            }

            if (HoldsCallerAudio)
            {
                // Awaiting the answering-machine verdict, or leaving a voicemail message: the model must not hear the line.
            }
            else if (_audioFlowing)
            {
                var leg = _model!.Leg!;
                var sent = true;
                for (var i = 0; i < silenceFrames && sent; i++)
                {
                    sent = leg.TryAppendAudio(_silence.FormatSilenceFrame);
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
                // Until the model confirms the call's audio format both ways, audio waits here: none lost, none sent in the wrong format.
                for (var i = 0; i < silenceFrames; i++)
                {
                    _pendingAudio.TryAdd(_silence.FormatSilenceFrame);
                }

                if (!_pendingAudio.TryAdd(base64Audio) && _pendingAudio.DroppedFrames == 1)
                {
                    Log.PendingAudioFull(_logger, _options.MaxPendingAudioBytes);
                }
            }
        }
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
            if (!HoldsCallerAudio)
            {
                OnKey(digit);
            }
        }

        // Logged once the key is handled, so the line means its pause timer is armed. Digits are often PINs: the
        // digit itself stays out of the log.
        Log.DtmfReceived(_logger);
    }

    void ICallerEvents.OnStop() => EndAsCallerLeft(CallEndReason.CallerStopped, "the caller's stream stopped");

    /// <summary>
    /// The caller's stream ended. While the agent's (or an operator's) hang-up or transfer is being carried out, that
    /// is its effect (Twilio stops the stream when the call is updated), so the call ends for that reason.
    /// </summary>
    private void EndAsCallerLeft(CallEndReason reason, string detail)
    {
        lock (_gate)
        {
            if ((_operatorCommand ?? _goodbye.CallControlUnderWay) is { } request)
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
