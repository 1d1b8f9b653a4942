using System.Text.Json;
using VoiceServer.RealtimeEmulator.Protocol;

namespace VoiceServer.RealtimeEmulator.Tests.Protocol;

public sealed class RealtimeSchemaTests
{
    [Fact]
    public void ValidateSessionUpdate_VoiceServerShape_Accepted()
    {
        Assert.Null(Validate(EmulatorJson.VoiceServerSession));
    }

    [Theory]
    [InlineData("""{"type":"realtime","temperature":0.8}""", "unknown_parameter", "session.temperature")]
    [InlineData("""{"type":"realtime","voice":"marin"}""", "unknown_parameter", "session.voice")]
    [InlineData("""{"type":"realtime","modalities":["audio","text"]}""", "unknown_parameter", "session.modalities")]
    [InlineData("""{"type":"realtime","input_audio_format":"g711_ulaw"}""", "unknown_parameter", "session.input_audio_format")]
    [InlineData("""{"type":"realtime","turn_detection":{"type":"server_vad"}}""", "unknown_parameter", "session.turn_detection")]
    [InlineData("""{"type":"realtime","max_response_output_tokens":100}""", "unknown_parameter", "session.max_response_output_tokens")]
    [InlineData("""{"output_modalities":["audio"]}""", "missing_required_parameter", "session.type")]
    [InlineData("""{"type":"realtime","audio":{"input":{"format":"audio/pcmu"}}}""", "invalid_type", "session.audio.input.format")]
    [InlineData("""{"type":"realtime","audio":{"output":{"format":{"type":"g711_ulaw"}}}}""", "invalid_value", "session.audio.output.format.type")]
    [InlineData("""{"type":"realtime","audio":{"output":{"voice":"nova"}}}""", "invalid_value", "session.audio.output.voice")]
    [InlineData("""{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","threshold":1.5}}}}""", "decimal_above_max_value", "session.audio.input.turn_detection.threshold")]
    [InlineData("""{"type":"realtime","audio":{"input":{"turn_detection":{"type":"server_vad","silence_duration_ms":500.5}}}}""", "invalid_type", "session.audio.input.turn_detection.silence_duration_ms")]
    [InlineData("""{"type":"realtime","output_modalities":["audio","text"]}""", "invalid_value", "session.output_modalities")]
    public void ValidateSessionUpdate_OutsideTheGaSchema_Rejected(string session, string code, string param)
    {
        var error = Validate(session);

        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
        Assert.Equal("invalid_request_error", error.Type);
    }

    [Fact]
    public void ValidateSessionUpdate_Temperature_MessageMatchesTheRealApi()
    {
        Assert.Equal("Unknown parameter: 'session.temperature'.", Validate("""{"type":"realtime","temperature":0.8}""")!.Message);
    }

    [Fact]
    public void ValidateResponseCreate_Instructions_Accepted_Temperature_Rejected()
    {
        using var good = JsonDocument.Parse("""{"instructions":"Greet the caller.","output_modalities":["audio"],"conversation":"auto"}""");
        using var bad = JsonDocument.Parse("""{"instructions":"Hi","temperature":0.7}""");

        Assert.Null(RealtimeSchema.ValidateResponseCreate(good.RootElement));
        Assert.Equal("response.temperature", RealtimeSchema.ValidateResponseCreate(bad.RootElement)!.Param);
    }

    private static RealtimeError? Validate(string session)
    {
        using var document = JsonDocument.Parse(session);
        return RealtimeSchema.ValidateSessionUpdate(document.RootElement);
    }
}
