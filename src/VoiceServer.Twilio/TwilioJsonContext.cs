using System.Text.Json.Serialization;

namespace VoiceServer.Twilio;

// Numbers are read from strings too: Twilio sends most numbers as strings, and tolerance here costs nothing.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TwilioStartBody))]
internal sealed partial class TwilioJsonContext : JsonSerializerContext;
