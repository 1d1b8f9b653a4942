using System.Net;
using System.Text;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The main app's two endpoints that take no admin key, Twilio's voice webhook and the voice server's call records,
/// check a signature in the handler: whatever spelling of the path routing accepts, an unsigned request gets no
/// TwiML and stores nothing.
/// </summary>
public sealed class SignedEndpointSpellingTests
{
    public static TheoryData<string> CallEventsSpellings => ["/api/calls/events", "/API/CALLS/EVENTS", "/Api/Calls/Events", "/api/calls/events/", "/api/%63alls/events", "//api/calls/events", "/api/x/../calls/events", "/api/x/%2e%2e/calls/events"];

    public static TheoryData<string> VoiceWebhookSpellings => ["/api/twilio/voice", "/API/TWILIO/VOICE", "/Api/Twilio/Voice", "/api/twilio/voice/", "/api/%74wilio/voice", "//api/twilio/voice", "/api/x/../twilio/voice", "/api/x/%2e%2e/twilio/voice"];

    [Theory]
    [MemberData(nameof(CallEventsSpellings))]
    public async Task CallRecord_UnsignedInAnySpelling_NotStored(string path)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var body = SystemHarness.CallRecord("c-spelling").ToJsonString();

        using var request = new HttpRequestMessage(HttpMethod.Post, AsWritten(system, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Voice-Server-Signature", "t=1700000000,v2=00");
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.NotFound });
        Assert.Empty(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
    }

    [Theory]
    [MemberData(nameof(VoiceWebhookSpellings))]
    public async Task VoiceWebhook_UnsignedInAnySpelling_NoTwiml(string path)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", "+15557001234", new System.Text.Json.Nodes.JsonObject { ["name"] = "Bakery", ["prompt"] = "A secret prompt." });

        using var response = await system.Anonymous.PostAsync(
            AsWritten(system, path),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["To"] = "+15557001234", ["CallSid"] = "CA0123456789abcdef0123456789abcdef" }),
            system.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        Assert.DoesNotContain("<Stream", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
    }

    /// <summary>The path exactly as written: no dot-segment removal or unescaping on the client's side.</summary>
    private static Uri AsWritten(SystemHarness system, string path) =>
        new(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
