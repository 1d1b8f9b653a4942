using System.Buffers.Binary;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.Vonage;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Tests.Vonage;

/// <summary>
/// Placing Vonage calls on a <see cref="CallHarness"/>: the same server and fake model, Vonage's socket. Per-call
/// parameters travel in the NCCO endpoint's <c>headers</c> (the first message); a signed configuration travels in
/// the upgrade's <c>Authorization</c> (the endpoint's <c>"authorization":{"type":"custom"}</c>).
/// </summary>
internal static class VonageCalls
{
    public const string Path = "/api/vonage/media-stream";

    public static Uri Url(CallHarness harness, string path = Path) =>
        new UriBuilder(harness.Server.BaseAddress) { Scheme = "ws", Path = path }.Uri;

    /// <summary>Connects, sends the first message with <paramref name="headers"/>, and waits until the call is ready.</summary>
    public static async Task<(FakeVonageCaller Caller, FakeRealtimeConnection Model)> StartCallAsync(
        CallHarness harness,
        IReadOnlyDictionary<string, string>? headers = null,
        VonageNotifyMode notifyMode = VonageNotifyMode.Immediate,
        string? authorization = null,
        string? callUuid = null)
    {
        var readyBefore = harness.Server.Logs.Entries.Count(e => e.EventName == "CallReady");
        var caller = await FakeVonageCaller.ConnectAsync(Url(harness), notifyMode, authorization, callUuid, harness.Token);
        await caller.SendFirstMessageAsync(headers ?? CallHarness.Parameters(), harness.Token);
        var seen = 0;
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallReady" && ++seen > readyBefore, harness.Token);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Realtime.ConnectionCount - 1, harness.Token);
        return (caller, model);
    }

    /// <summary>The configuration as a main app signs it for a Vonage call: bound to its uuid, key encrypted, as a Bearer header.</summary>
    public static string BearerFor(string callUuid, params (string Name, string Value)[] settings)
    {
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        foreach (var (name, value) in settings)
        {
            claims[name] = value;
        }

        return "Bearer " + ConfigTokens.SignedAndEncrypted(claims, callSid: callUuid);
    }

    /// <summary>A sweep from 200 Hz up, 16-bit little-endian PCM: audio whose every frame differs.</summary>
    public static byte[] Sweep(int rate, int milliseconds, double amplitude = 9_000)
    {
        var samples = rate * milliseconds / 1000;
        var bytes = new byte[samples * 2];
        for (var i = 0; i < samples; i++)
        {
            var t = i / (double)rate;
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * (200 + (3_000 * t)) * t)));
        }

        return bytes;
    }

    /// <summary>What the leg's resampler makes of <paramref name="pcm"/> from the start of a call (a fresh filter).</summary>
    public static byte[] Resampled(PcmResampler resampler, byte[] pcm)
    {
        var input = new short[pcm.Length / 2];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(i * 2));
        }

        var output = new short[resampler.MaxOutputSamples(input.Length)];
        var written = resampler.Process(input, output);
        var bytes = new byte[written * 2];
        for (var i = 0; i < written; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), output[i]);
        }

        return bytes;
    }
}
