using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.PlivoEmulator;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Plivo;

/// <summary>
/// Placing Plivo calls on a <see cref="CallHarness"/>: the same server and fake model, Plivo's socket. Per-call
/// parameters travel in the stream URL's query string, as a main app writes them in <c>&lt;Stream&gt;</c>
/// (<c>extraHeaders</c> allows only <c>[A-Za-z0-9]</c>, too little for a key or a signed configuration).
/// </summary>
internal static class PlivoCalls
{
    public const string Path = "/api/plivo/media-stream";

    public static Uri Url(CallHarness harness, string path = Path, string? query = null) =>
        new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = path, Query = query ?? string.Empty }.Uri;

    /// <summary>The parameters as a query string, each value escaped.</summary>
    public static string Query(IReadOnlyDictionary<string, string> parameters) =>
        string.Join('&', parameters.Select(static pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));

    /// <summary>Connects with the parameters in the URL, sends start, and waits until the call is ready for audio.</summary>
    public static async Task<(FakePlivoCaller Caller, FakeRealtimeConnection Model)> StartCallAsync(
        CallHarness harness,
        IReadOnlyDictionary<string, string>? parameters = null,
        PlivoCheckpointMode checkpointMode = PlivoCheckpointMode.Immediate,
        IReadOnlyDictionary<string, string>? headers = null,
        string? callId = null)
    {
        var readyBefore = harness.Server.Logs.Entries.Count(e => e.EventName == "CallReady");
        var caller = await FakePlivoCaller.ConnectAsync(Url(harness, query: Query(parameters ?? CallHarness.Parameters())), checkpointMode, headers, callId, harness.Token);
        await caller.SendStartAsync(harness.Token);
        var seen = 0;
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallReady" && ++seen > readyBefore, harness.Token);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Realtime.ConnectionCount - 1, harness.Token);
        return (caller, model);
    }

    /// <summary>The configuration as a main app sends it for a Plivo call: signed for its CallUUID, key encrypted.</summary>
    public static Dictionary<string, string> BoundTo(string callId, params (string Name, string Value)[] settings)
    {
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        foreach (var (name, value) in settings)
        {
            claims[name] = value;
        }

        return new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: callId) };
    }
}
