using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Analysis;
using VoiceServer.MainApp.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Handoffs;
using VoiceServer.MainApp.LiveCalls;
using VoiceServer.MainApp.Outbound;
using VoiceServer.MainApp.Recordings;

namespace VoiceServer.MainApp.Hosting;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AgentView))]
[JsonSerializable(typeof(List<AgentView>))]
[JsonSerializable(typeof(AgentInput))]
[JsonSerializable(typeof(NumberInput))]
[JsonSerializable(typeof(List<CallRecordView>))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(TransferInput))]
[JsonSerializable(typeof(SayInput))]
[JsonSerializable(typeof(CommandResultView))]
[JsonSerializable(typeof(OutboundCallInput))]
[JsonSerializable(typeof(OutboundCallView))]
[JsonSerializable(typeof(AnalysisPlan))]
[JsonSerializable(typeof(AnalysisView))]
[JsonSerializable(typeof(IReadOnlyList<AgentHandoff>))]
[JsonSerializable(typeof(HandoffRequest))]
[JsonSerializable(typeof(HandoffAnswer))]
[JsonSerializable(typeof(RecordingDeletedView))]
internal sealed partial class MainAppJsonContext : JsonSerializerContext;
