using System.Globalization;
using System.Net;
using System.Text;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Attacks on <c>POST /api/telnyx/voice</c>: no TeXML (and so no agent's configuration) without a fresh Ed25519
/// signature over this very body, in any spelling of the path; a signature is good once; bodies and forms stay bounded.
/// </summary>
public sealed class TelnyxWebhookAttackTests
{
    private const string Number = "+15557002000";

    public static TheoryData<string> Spellings => ["/api/telnyx/voice", "/API/TELNYX/VOICE", "/Api/Telnyx/Voice", "/api/telnyx/voice/", "/api/%74elnyx/voice", "//api/telnyx/voice", "/api/x/../telnyx/voice", "/api/x/%2e%2e/telnyx/voice"];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task UnsignedInAnySpelling_NoTexml(string path)
    {
        await using var attack = await AttackAsync();

        using var request = attack.Telnyx.CreateRequest(AsWritten(attack.System, path), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), sign: false);
        using var response = await attack.System.Anonymous.SendAsync(request, attack.System.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        Assert.DoesNotContain("<Stream", await response.Content.ReadAsStringAsync(attack.System.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedByAnotherKey_403()
    {
        await using var attack = await AttackAsync();
        using var stranger = new FakeTelnyxWebhook();

        var texml = await stranger.PostAsync(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), attack.System.Token);

        AssertRefused(texml, "invalid_signature");
        Assert.Contains(attack.System.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Mismatch", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public async Task TimestampOutsideTheWindow_403(int seconds)
    {
        await using var attack = await AttackAsync();

        using var request = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), DateTimeOffset.UtcNow.AddSeconds(seconds));
        var texml = await SendAsync(attack.System, request);

        AssertRefused(texml, "invalid_signature");
        Assert.Contains(attack.System.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Stale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SameSignedRequestTwice_SecondRefusedAsAReplay()
    {
        await using var attack = await AttackAsync();
        using var first = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()));
        using var again = await CopyAsync(first);

        Assert.NotNull((await SendAsync(attack.System, first)).StreamUrl);
        AssertRefused(await SendAsync(attack.System, again), "replayed");
        Assert.Contains(attack.System.Logs.Entries, e => e.EventName == "Replayed");
    }

    [Fact]
    public async Task SignatureOfOneCall_OnAnotherCallsBody_403()
    {
        await using var attack = await AttackAsync();
        using var signed = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()));
        using var forged = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), sign: false);
        foreach (var header in new[] { "telnyx-timestamp", "telnyx-signature-ed25519" })
        {
            forged.Headers.Add(header, signed.Headers.GetValues(header));
        }

        AssertRefused(await SendAsync(attack.System, forged), "invalid_signature");
    }

    [Theory]
    [InlineData("telnyx-timestamp", "not-a-number")]
    [InlineData("telnyx-timestamp", "")]
    [InlineData("telnyx-signature-ed25519", "AAAA")]
    [InlineData("telnyx-signature-ed25519", "%%%")]
    public async Task MalformedHeader_403(string header, string value)
    {
        await using var attack = await AttackAsync();
        using var request = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()));
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, value);

        AssertRefused(await SendAsync(attack.System, request), "invalid_signature");
    }

    [Fact]
    public async Task TwoSignatureHeaders_403()
    {
        await using var attack = await AttackAsync();
        using var request = attack.Telnyx.CreateRequest(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()));
        request.Headers.Add("telnyx-signature-ed25519", request.Headers.GetValues("telnyx-signature-ed25519").Single());

        AssertRefused(await SendAsync(attack.System, request), "invalid_signature");
    }

    [Fact]
    public async Task OversizedBody_413_BeforeItIsRead()
    {
        await using var attack = await AttackAsync();
        var form = FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid());
        form["Padding"] = new string('a', 70 * 1024);
        using var request = attack.Telnyx.CreateRequest(Url(attack.System), form);
        request.Headers.ExpectContinue = true;

        using var response = await attack.System.Anonymous.SendAsync(request, attack.System.Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("payload_too_large", await response.Content.ReadAsStringAsync(attack.System.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyFields_SignedOrNot_400()
    {
        await using var attack = await AttackAsync();
        var form = FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid());
        for (var i = 0; i < 300; i++)
        {
            form[string.Create(CultureInfo.InvariantCulture, $"f{i}")] = "x";
        }

        using var request = attack.Telnyx.CreateRequest(Url(attack.System), form);
        using var response = await attack.System.Anonymous.SendAsync(request, attack.System.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("bad_request", await response.Content.ReadAsStringAsync(attack.System.Token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v3:abc/../../calls")]
    [InlineData("v3:abc?x=1")]
    [InlineData("v3:abc def")]
    [InlineData("v3:%2e%2e")]
    public async Task HostileCallSid_Signed_400_NoTexml(string callSid)
    {
        await using var attack = await AttackAsync();

        var texml = await attack.Telnyx.PostAsync(Url(attack.System), FakeTelnyxWebhook.IncomingCall(Number, callSid), attack.System.Token);

        Assert.Equal(HttpStatusCode.BadRequest, texml.Status);
        Assert.Contains("CallSid", texml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonBody_415()
    {
        await using var attack = await AttackAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(attack.System)) { Content = new StringContent("""{"To":"+15557002000"}""", Encoding.UTF8, "application/json") };

        using var response = await attack.System.Anonymous.SendAsync(request, attack.System.Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task WithoutTelnyxPublicKey_NotServed_EverySignedCall404()
    {
        using var telnyx = new FakeTelnyxWebhook();
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");

        var texml = await telnyx.PostAsync(Url(system), FakeTelnyxWebhook.IncomingCall(Number, FakeTelnyxWebhook.NewCallSid()), system.Token);

        Assert.Equal(HttpStatusCode.NotFound, texml.Status);
        Assert.Contains("provider_not_served", texml.Body, StringComparison.Ordinal);
        Assert.Contains("TELNYX_PUBLIC_KEY", texml.Body, StringComparison.Ordinal);
    }

    private static void AssertRefused(TexmlAnswer texml, string error)
    {
        Assert.Equal(HttpStatusCode.Forbidden, texml.Status);
        Assert.Contains(error, texml.Body, StringComparison.Ordinal);
        Assert.Null(texml.StreamUrl);
    }

    private static Uri Url(SystemHarness system) => TelnyxVoiceWebhookTests.WebhookUrl(system);

    private static async Task<TexmlAnswer> SendAsync(SystemHarness system, HttpRequestMessage request)
    {
        using var response = await system.Anonymous.SendAsync(request, system.Token);
        return await FakeTelnyxWebhook.ReadAsync(response, system.Token);
    }

    private static async Task<HttpRequestMessage> CopyAsync(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = new ByteArrayContent(await request.Content!.ReadAsByteArrayAsync()) };
        copy.Content.Headers.ContentType = request.Content.Headers.ContentType;
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.Add(name, values);
        }

        return copy;
    }

    private static async Task<Attack> AttackAsync()
    {
        var telnyx = new FakeTelnyxWebhook();
        var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx);
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "telnyx");
        return new Attack(telnyx, system);
    }

    /// <summary>The path exactly as written: no dot-segment removal or unescaping on the client's side.</summary>
    private static Uri AsWritten(SystemHarness system, string path) =>
        new(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private sealed record Attack(FakeTelnyxWebhook Telnyx, SystemHarness System) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await System.DisposeAsync();
            Telnyx.Dispose();
        }
    }
}
