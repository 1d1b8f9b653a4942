using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.TelnyxEmulator;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Telnyx;

/// <summary>Placing Telnyx calls on a <see cref="CallHarness"/>: the same server and fake model, Telnyx's socket.</summary>
internal static class TelnyxCalls
{
    public const string Path = "/api/telnyx/media-stream";

    public static Uri Url(CallHarness harness, string path = Path, string? query = null) =>
        new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = path, Query = query ?? string.Empty }.Uri;

    /// <summary>Connects, sends connected + start with the parameters, and waits until the call is ready for audio.</summary>
    public static async Task<(FakeTelnyxCaller Caller, FakeRealtimeConnection Model)> StartCallAsync(
        CallHarness harness,
        IReadOnlyDictionary<string, string>? customParameters = null,
        TelnyxMarkMode markMode = TelnyxMarkMode.Immediate,
        IReadOnlyDictionary<string, string>? headers = null,
        string? callControlId = null)
    {
        var readyBefore = harness.Server.Logs.Entries.Count(e => e.EventName == "CallReady");
        var caller = await FakeTelnyxCaller.ConnectAsync(Url(harness), markMode, headers, callControlId, harness.Token);
        await caller.SendConnectedAsync(harness.Token);
        await caller.SendStartAsync(customParameters ?? CallHarness.Parameters(), harness.Token);
        var seen = 0;
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallReady" && ++seen > readyBefore, harness.Token);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Realtime.ConnectionCount - 1, harness.Token);
        return (caller, model);
    }

    /// <summary>The configuration as a main app sends it for a Telnyx call: signed for its call control id, key encrypted.</summary>
    public static Dictionary<string, string> BoundTo(string callControlId, params (string Name, string Value)[] settings)
    {
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        foreach (var (name, value) in settings)
        {
            claims[name] = value;
        }

        return new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: callControlId) };
    }
}
