namespace VoiceServer.RealtimeEmulator.Tests;

/// <summary>Hand-written client JSON, straight from the GA shapes (independent of the emulator's own code).</summary>
internal static class EmulatorJson
{
    /// <summary>The session voice-server sends for phone audio.</summary>
    public const string VoiceServerSession = """
        {
          "type": "realtime",
          "output_modalities": ["audio"],
          "instructions": "You are a restaurant booking assistant.",
          "audio": {
            "input": {
              "format": { "type": "audio/pcmu" },
              "transcription": { "model": "gpt-4o-mini-transcribe", "language": "en" },
              "noise_reduction": { "type": "near_field" },
              "turn_detection": {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 500,
                "create_response": true,
                "interrupt_response": true
              }
            },
            "output": {
              "format": { "type": "audio/pcmu" },
              "voice": "marin"
            }
          },
          "tools": [
            {
              "type": "function",
              "name": "end_call",
              "description": "Hang up after saying goodbye.",
              "parameters": { "type": "object", "properties": {}, "additionalProperties": false }
            }
          ],
          "tool_choice": "auto",
          "max_output_tokens": "inf"
        }
        """;

    public static string SessionUpdate(string session, string eventId) =>
        $$"""{"type":"session.update","event_id":"{{eventId}}","session":{{session}}}""";

    public static string Append(ReadOnlySpan<byte> mulaw) =>
        $$"""{"type":"input_audio_buffer.append","audio":"{{Convert.ToBase64String(mulaw)}}"}""";
}
