using System.Text.Json.Serialization;

namespace VoiceServer.Tools;

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ToolOutputJsonContext : JsonSerializerContext;
