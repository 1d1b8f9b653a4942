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

    void ICallerEvents.OnMedia(ReadOnlySpan<byte> base64Audio)
    {
        lock (_gate)
        {
            if (_audioFlowing)
            {
                if (_model!.Leg!.TryAppendAudio(base64Audio))
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
        // Digits are often PINs: the digit itself stays out of the log.
        Log.DtmfReceived(_logger);
    }

    void ICallerEvents.OnStop() => End(CallEndReason.CallerStopped, "the caller's stream stopped");

    void ICallerEvents.OnMalformedMessage(string detail)
    {
        _metrics.MalformedMessage();
        Log.MalformedCallerMessage(_logger, detail);
    }
}
