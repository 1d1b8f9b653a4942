using System.Text.Json.Serialization;
using VoiceServer.Records;

namespace VoiceServer.CallRecords;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(CallRecord))]
internal sealed partial class CallRecordJsonContext : JsonSerializerContext;
