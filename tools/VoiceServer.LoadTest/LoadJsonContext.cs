using System.Text.Json.Serialization;

namespace VoiceServer.LoadTest;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(EchoStats))]
[JsonSerializable(typeof(List<SetupTrace>))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
