using System.Net;
using System.Text;
using VoiceServer.PlivoEmulator;
using VoiceServer.TelnyxEmulator;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Two main-app instances on one database, behind one public address: a signed request one of them let in is a
/// replay on the other (a Telnyx webhook, a Vonage answer, a voice server's handoff request, a Plivo answer or
/// transfer); the same request sent to both at once is answered by one; and with the used keys out of reach the
/// request is refused with 503, never answered unchecked.
/// </summary>
public sealed class ReplayAcrossInstancesTests
{
    private const string TelnyxNumber = "+15557002000";

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task TelnyxWebhook_ReplayedToASecondInstance_403(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx, backend);
        await system.CreateAgentAsync("bakery", TelnyxNumber, TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");
        await using var second = await system.StartAnotherMainAppAsync();
        using var request = telnyx.CreateRequest(TelnyxVoiceWebhookTests.WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(TelnyxNumber, FakeTelnyxWebhook.NewCallSid()));

        using var genuine = await system.Anonymous.SendAsync(request, system.Token);
        using var replayed = await second.SendCopyAsync(request, system.Token);

        Assert.NotNull((await FakeTelnyxWebhook.ReadAsync(genuine, system.Token)).StreamUrl);
        await AssertRefusedAsync(replayed, HttpStatusCode.Forbidden, "replayed", system.Token);
        Assert.Contains(second.Logs.Entries, static e => e.EventName == "Replayed");
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task VonageAnswer_ReplayedToASecondInstance_403(string backend)
    {
        await using var system = await VonageWebhookTests.StartAsync(backend);
        await system.CreateAgentAsync("bakery", VonageWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        await using var second = await system.StartAnotherMainAppAsync();
        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(VonageWebhookTests.Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token());

        using var genuine = await system.Anonymous.SendAsync(request, system.Token);
        using var replayed = await second.SendCopyAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Contains("\"connect\"", await genuine.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        await AssertRefusedAsync(replayed, HttpStatusCode.Forbidden, "replayed", system.Token);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task HandoffRequest_ReplayedToASecondInstance_401(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        await HandoffEndpointTests.CreateChainAsync(system);
        await using var second = await system.StartAnotherMainAppAsync();
        using var request = HandoffRequest(system);

        using var genuine = await system.Anonymous.SendAsync(request, system.Token);
        using var replayed = await second.SendCopyAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        await AssertRefusedAsync(replayed, HttpStatusCode.Unauthorized, "replayed", system.Token);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task PlivoAnswerAndTransfer_ReplayedToASecondInstance_403(string backend)
    {
        await using var system = await PlivoVoiceWebhookTests.StartAsync(backend);
        await system.CreateAgentAsync("bakery", PlivoVoiceWebhookTests.Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");
        await using var second = await system.StartAnotherMainAppAsync();
        var form = FakePlivoWebhook.IncomingCall(PlivoVoiceWebhookTests.Number, Guid.NewGuid().ToString());
        using var answer = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, PlivoVoiceWebhookTests.AuthToken);
        using var transfer = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.TransferUrl(system, "+15557654321"), form, PlivoVoiceWebhookTests.AuthToken);

        using var genuineAnswer = await system.Anonymous.SendAsync(answer, system.Token);
        using var genuineTransfer = await system.Anonymous.SendAsync(transfer, system.Token);
        using var replayedAnswer = await second.SendCopyAsync(answer, system.Token);
        using var replayedTransfer = await second.SendCopyAsync(transfer, system.Token);
        using var replayedHere = await system.Anonymous.SendAsync(await CopyAsync(answer), system.Token);

        Assert.NotNull((await FakePlivoWebhook.ReadAsync(genuineAnswer, system.Token)).StreamUrl);
        Assert.Equal(["+15557654321"], (await FakePlivoWebhook.ReadAsync(genuineTransfer, system.Token)).DialNumbers);
        foreach (var replayed in new[] { replayedAnswer, replayedTransfer, replayedHere })
        {
            await AssertRefusedAsync(replayed, HttpStatusCode.Forbidden, "replayed", system.Token);
        }
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task OneSignedRequest_SentToBothInstancesAtOnce_AnsweredOnce(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx, backend);
        await system.CreateAgentAsync("bakery", TelnyxNumber, TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");
        await using var second = await system.StartAnotherMainAppAsync();

        for (var round = 0; round < 5; round++)
        {
            using var request = telnyx.CreateRequest(TelnyxVoiceWebhookTests.WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(TelnyxNumber, FakeTelnyxWebhook.NewCallSid()));
            var sent = await Task.WhenAll(
                system.Anonymous.SendAsync(await CopyAsync(request), system.Token),
                second.SendCopyAsync(request, system.Token),
                system.Anonymous.SendAsync(await CopyAsync(request), system.Token),
                second.SendCopyAsync(request, system.Token));

            var statuses = sent.Select(static response => response.StatusCode).ToArray();
            Assert.Equal(1, statuses.Count(static status => status == HttpStatusCode.OK));
            Assert.Equal(3, statuses.Count(static status => status == HttpStatusCode.Forbidden));
            foreach (var response in sent)
            {
                response.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task UsedKeysOutOfReach_EverySignedRequest503_NeverAnswered_ThenLetInOnceBack(string backend)
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await SystemHarness.StartAsync(backend, new Dictionary<string, string?>
        {
            ["TELNYX_PUBLIC_KEY"] = telnyx.PublicKey,
            ["PLIVO_AUTH_TOKEN"] = PlivoVoiceWebhookTests.AuthToken,
            ["VONAGE_SIGNATURE_SECRET"] = FakeVonageWebhook.Secret,
        });
        await system.CreateAgentAsync("bakery", TelnyxNumber, TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");
        await HandoffEndpointTests.CreateChainAsync(system);
        using var telnyxRequest = telnyx.CreateRequest(TelnyxVoiceWebhookTests.WebhookUrl(system), FakeTelnyxWebhook.IncomingCall(TelnyxNumber, FakeTelnyxWebhook.NewCallSid()));
        using var vonageRequest = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(TelnyxNumber, Guid.NewGuid().ToString()), FakeVonageWebhook.Token());
        using var plivoRequest = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(TelnyxNumber, Guid.NewGuid().ToString()), PlivoVoiceWebhookTests.AuthToken);
        using var handoffRequest = HandoffRequest(system);
        HttpRequestMessage[] requests = [telnyxRequest, vonageRequest, plivoRequest, handoffRequest];
        await system.ExecuteSqlAsync("ALTER TABLE used_replay_keys RENAME TO used_replay_keys_away");

        foreach (var request in requests)
        {
            using var response = await system.Anonymous.SendAsync(await CopyAsync(request), system.Token);
            var body = await AssertRefusedAsync(response, HttpStatusCode.ServiceUnavailable, "replay_check_unavailable", system.Token);
            Assert.DoesNotContain("config", body, StringComparison.Ordinal);
        }

        Assert.Equal(4, system.Logs.Entries.Count(static e => e.EventName == "Unavailable" && e.Level == LogLevel.Error));
        Assert.Equal(3, system.Logs.Entries.Count(static e => e.EventName == "ReplayCheckUnavailable"));

        // Back: nothing was stored while it was away, so the provider's retry of each is let in, once.
        await system.ExecuteSqlAsync("ALTER TABLE used_replay_keys_away RENAME TO used_replay_keys");
        foreach (var request in requests)
        {
            using var retried = await system.Anonymous.SendAsync(await CopyAsync(request), system.Token);
            using var again = await system.Anonymous.SendAsync(await CopyAsync(request), system.Token);
            Assert.Equal((HttpStatusCode.OK, true), (retried.StatusCode, again.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized));
        }
    }

    /// <summary>The voice server's request for the chain's destination, signed for the public address.</summary>
    private static HttpRequestMessage HandoffRequest(SystemHarness system)
    {
        var url = new Uri(system.BaseAddress, "/api/handoffs");
        var body = HandoffRequests.Body(TwilioIds.NewCallSid(), "front", "billing");
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Voice-Server-Signature", HandoffRequests.Signature(url, body));
        return request;
    }

    private static async Task<string> AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string error, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"\"error\":\"{error}\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<Stream", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<Dial", body, StringComparison.Ordinal);
        return body;
    }

    private static async Task<HttpRequestMessage> CopyAsync(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri);
        if (request.Content is not null)
        {
            copy.Content = new ByteArrayContent(await request.Content.ReadAsByteArrayAsync());
            foreach (var (name, values) in request.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        return copy;
    }
}
