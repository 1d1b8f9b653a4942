using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>
/// Serialises server events as <c>{"type":…,"event_id":…,…}</c> into one reused buffer. Single-threaded: the
/// returned memory is valid until the next call.
/// </summary>
internal sealed class ServerEventWriter : IDisposable
{
    // The relaxed encoder keeps base64 '+' as is (the default escapes it as \u002B); the output goes to a
    // WebSocket client, never into HTML.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _writer;

    public ServerEventWriter()
    {
        _writer = new Utf8JsonWriter(_buffer, s_options);
    }

    public ReadOnlyMemory<byte> Write(string type, JsonObject? body = null)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteString("type", type);
        _writer.WriteString("event_id", RealtimeIds.Event());
        if (body is not null)
        {
            foreach (var (name, value) in body)
            {
                _writer.WritePropertyName(name);
                if (value is null)
                {
                    _writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(_writer);
                }
            }
        }

        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _writer.Dispose();

    public ReadOnlyMemory<byte> WriteError(RealtimeError error, string? clientEventId) => Write("error", new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["type"] = error.Type,
            ["code"] = error.Code,
            ["message"] = error.Message,
            ["param"] = error.Param,
            ["event_id"] = clientEventId,
        },
    });
}
