using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;
using VoiceServer.RealtimeEmulator.Protocol;
using static VoiceServer.RealtimeEmulator.Protocol.JsonChecks;

namespace VoiceServer.RealtimeEmulator.Session;

// The input side: the audio buffer, the VAD and the user turns it commits.
internal sealed partial class RealtimeSession
{
    /// <summary>Two minutes of μ-law: the most a single turn keeps (its newest part) before being committed.</summary>
    private const int MaxBufferedInputBytes = 120 * 1000 * MuLaw.BytesPerMillisecond;

    /// <summary>Audio kept before the prefix padding while nobody speaks: covers the VAD's confirmation delay.</summary>
    private const int IdleLookbackMs = 1000;

    /// <summary>The real API refuses to commit less than 100 ms.</summary>
    private const int MinCommitBytes = 100 * MuLaw.BytesPerMillisecond;

    private static readonly FrozenSet<string> s_appendKeys = FrozenSet.Create(StringComparer.Ordinal, "type", "event_id", "audio");

    private readonly InputAudioBuffer _input = new(MaxBufferedInputBytes);
    private readonly EnergyVad _vad;
    private readonly List<VadEvent> _vadEvents = [];

    private string? _turnItemId;
    private long _turnAudioStartMs;
    private string? _warnedInputFormat;

    /// <summary>An <c>audio/pcm</c> append's bytes short of a whole 8 kHz sample, kept for the next append.</summary>
    private readonly List<byte> _pcmCarry = new(Pcm24Conversion.BytesPerMuLawByte);

    /// <summary>A committed user turn no response has used yet: the next <c>response.create</c> echoes it.</summary>
    private byte[]? _unansweredTurn;

    private async ValueTask<RealtimeError?> AppendInputAudioAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_appendKeys) ?? Required(root, string.Empty, "audio", String);
        if (error is not null)
        {
            return error;
        }

        if (!root.GetProperty("audio").TryGetBytesFromBase64(out var audio))
        {
            return RealtimeError.InvalidValue("audio", "Invalid 'audio': expected base64-encoded audio bytes.");
        }

        if (_config.InputIsChosenPcm)
        {
            audio = Pcm24Conversion.ToMuLaw(audio, _pcmCarry);
        }
        else if (_config.InputFormat != RealtimeSchema.FormatPcmu && _config.InputFormat != _warnedInputFormat)
        {
            _warnedInputFormat = _config.InputFormat;
            Log.NotMuLaw(_logger, "input", _config.InputFormat);
        }

        if (audio.Length == 0)
        {
            return null;
        }

        _input.Append(audio);
        if (_config.TurnDetection is not { } turnDetection)
        {
            return null;
        }

        _vadEvents.Clear();
        _vad.Process(audio, _vadEvents);
        foreach (var vadEvent in _vadEvents)
        {
            if (vadEvent.Transition == VadTransition.SpeechStarted)
            {
                await OnSpeechStartedAsync(vadEvent, turnDetection, cancellationToken);
            }
            else
            {
                await OnSpeechStoppedAsync(vadEvent, turnDetection, cancellationToken);
            }
        }

        if (!_vad.InSpeech)
        {
            // Nobody is speaking: only the audio a future turn's prefix padding could need is worth keeping.
            var keepMs = (long)turnDetection.Vad.PrefixPaddingMs + IdleLookbackMs;
            _input.DiscardBefore(_input.EndOffset - (keepMs * MuLaw.BytesPerMillisecond));
        }

        return null;
    }

    private async ValueTask OnSpeechStartedAsync(VadEvent vadEvent, TurnDetectionSettings turnDetection, CancellationToken cancellationToken)
    {
        // Padding cannot reach back into audio already committed or cleared.
        _turnAudioStartMs = Math.Max(vadEvent.AudioMs, _input.StartOffset / MuLaw.BytesPerMillisecond);
        _turnItemId = RealtimeIds.Item();
        Log.SpeechStarted(_logger, _turnAudioStartMs);
        await SendAsync(
            "input_audio_buffer.speech_started",
            new JsonObject { ["audio_start_ms"] = _turnAudioStartMs, ["item_id"] = _turnItemId },
            cancellationToken);

        if (_activeResponse is { } response && turnDetection.InterruptResponse)
        {
            await FinishResponseAsync(response, "cancelled", "turn_detected", cancellationToken);
        }
    }

    private async ValueTask OnSpeechStoppedAsync(VadEvent vadEvent, TurnDetectionSettings turnDetection, CancellationToken cancellationToken)
    {
        var itemId = _turnItemId ?? RealtimeIds.Item();
        Log.SpeechStopped(_logger, vadEvent.AudioMs);
        await SendAsync(
            "input_audio_buffer.speech_stopped",
            new JsonObject { ["audio_end_ms"] = vadEvent.AudioMs, ["item_id"] = itemId },
            cancellationToken);

        // The turn is committed with its trailing silence (as audio_end_ms says); the echo stops where the voice did.
        var turnAudio = _input.Slice(_turnAudioStartMs * MuLaw.BytesPerMillisecond, vadEvent.SpeechMs * MuLaw.BytesPerMillisecond);
        var committedBytes = (int)Math.Max(0, (vadEvent.AudioMs - _turnAudioStartMs) * MuLaw.BytesPerMillisecond);
        _input.DiscardBefore(vadEvent.AudioMs * MuLaw.BytesPerMillisecond);
        _turnItemId = null;

        await CommitTurnAsync(itemId, committedBytes, cancellationToken);
        if (!turnDetection.CreateResponse)
        {
            _unansweredTurn = turnAudio;
            return;
        }

        if (_activeResponse is not null)
        {
            // Only one response at a time (interrupt_response is off): keep the turn for the next response.create.
            Log.TurnKeptForLater(_logger, itemId);
            _unansweredTurn = turnAudio;
            return;
        }

        await StartResponseAsync(NextScriptedResponse() ?? ResponseRequest.Echo(turnAudio, _config), cancellationToken);
    }

    private async ValueTask<RealtimeError?> CommitInputAudioAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_bareEventKeys);
        if (error is not null)
        {
            return error;
        }

        if (_input.Length < MinCommitBytes)
        {
            return new RealtimeError(
                "input_audio_buffer_commit_empty",
                $"Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has {_input.Length / MuLaw.BytesPerMillisecond}ms of audio.",
                null);
        }

        var itemId = _turnItemId ?? RealtimeIds.Item();
        var audio = _input.Slice(_input.StartOffset, _input.EndOffset);
        _input.Clear();
        ForgetTurnInProgress();
        await CommitTurnAsync(itemId, audio.Length, cancellationToken);

        // A manual commit never starts a response by itself; the client asks with response.create.
        _unansweredTurn = audio;
        return null;
    }

    private async ValueTask<RealtimeError?> ClearInputAudioAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var error = Object(root, string.Empty, s_bareEventKeys);
        if (error is not null)
        {
            return error;
        }

        _input.Clear();
        ForgetTurnInProgress();
        await SendAsync("input_audio_buffer.cleared", null, cancellationToken);
        return null;
    }

    private void ForgetTurnInProgress()
    {
        _vad.Reset();
        _turnItemId = null;
    }

    private async ValueTask CommitTurnAsync(string itemId, int audioBytes, CancellationToken cancellationToken)
    {
        var json = new JsonObject
        {
            ["id"] = itemId,
            ["object"] = "realtime.item",
            ["type"] = "message",
            ["status"] = "completed",
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "input_audio", ["transcript"] = null }),
        };
        var previousItemId = _conversation.Append(new ConversationItem
        {
            Id = itemId,
            Type = "message",
            Role = "user",
            InputAudioBytes = audioBytes,
            Json = json,
        });

        await SendAsync(
            "input_audio_buffer.committed",
            new JsonObject { ["previous_item_id"] = previousItemId, ["item_id"] = itemId },
            cancellationToken);
        await SendItemAddedAndDoneAsync(previousItemId, json, cancellationToken);
        if (_config.TranscribesInput)
        {
            // No speech recognition here: the "transcript" says how much speech there was, so transcripts show both sides.
            var seconds = audioBytes / (double)MuLaw.BytesPerMillisecond / 1000;
            await SendAsync(
                "conversation.item.input_audio_transcription.completed",
                new JsonObject
                {
                    ["item_id"] = itemId,
                    ["content_index"] = 0,
                    ["transcript"] = string.Create(CultureInfo.InvariantCulture, $"({seconds:0.0} s of speech)"),
                    ["usage"] = new JsonObject { ["type"] = "duration", ["seconds"] = Math.Ceiling(seconds) },
                },
                cancellationToken);
        }
    }
}
