using System.Globalization;
using System.Net;
using System.Text;
using VoiceServer.PlivoEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Attacks on <c>POST /api/plivo/voice</c> and <c>/api/plivo/transfer</c>: nothing without <c>X-Plivo-Signature-V3</c>
/// over this URL and this form, in any spelling of the path; the transfer dials one E.164 number and nothing else.
/// </summary>
public sealed class PlivoWebhookAttackTests
{
    private const string Number = PlivoVoiceWebhookTests.Number;
    private const string AuthToken = PlivoVoiceWebhookTests.AuthToken;

    public static TheoryData<string> Spellings => [
        "/api/plivo/voice", "/API/PLIVO/VOICE", "/api/plivo/voice/", "/api/%70livo/voice", "//api/plivo/voice", "/api/x/../plivo/voice", "/api/x/%2e%2e/plivo/voice",
        "/api/plivo/transfer?to=%2B15557654321", "/API/PLIVO/TRANSFER?to=%2B15557654321", "/api/plivo/transfer/?to=%2B15557654321", "/api/x/../plivo/transfer?to=%2B15557654321",
    ];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task UnsignedInAnySpelling_NoXml(string path)
    {
        await using var system = await StartAsync();

        using var request = FakePlivoWebhook.CreateRequest(AsWritten(system, path), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), authToken: null);
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        var body = await response.Content.ReadAsStringAsync(system.Token);
        Assert.DoesNotContain("<Stream", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<Dial", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedWithAnotherToken_403()
    {
        await using var system = await StartAsync();

        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), "not-the-auth-token", system.Token);

        AssertRefused(xml);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MainAccountSignature_Accepted()
    {
        await using var system = await StartAsync();
        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, header: "X-Plivo-Signature-Ma-V3");

        Assert.NotNull((await SendAsync(system, request)).StreamUrl);
    }

    [Fact]
    public async Task SameSignedRequestTwice_SecondRefusedAsAReplay_UnderEitherSignatureHeader()
    {
        await using var system = await StartAsync();
        var form = FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        using var first = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, AuthToken);
        var nonce = first.Headers.GetValues("X-Plivo-Signature-V3-Nonce").Single();
        var signature = first.Headers.GetValues("X-Plivo-Signature-V3").Single();
        using var again = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, authToken: null);
        again.Headers.Add("X-Plivo-Signature-V3", signature);
        again.Headers.Add("X-Plivo-Signature-V3-Nonce", nonce);
        // The main account's header over the same nonce: another header, the same signed request.
        using var asMainAccount = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, authToken: null);
        asMainAccount.Headers.Add("X-Plivo-Signature-Ma-V3", signature);
        asMainAccount.Headers.Add("X-Plivo-Signature-V3-Nonce", nonce);

        Assert.NotNull((await SendAsync(system, first)).StreamUrl);
        AssertRefused(await SendAsync(system, again), "replayed");
        AssertRefused(await SendAsync(system, asMainAccount), "replayed");
        Assert.Equal(2, system.Logs.Entries.Count(static e => e.EventName == "Replayed"));
    }

    [Fact]
    public async Task SignatureOfOneCall_OnAnotherCallsForm_403()
    {
        await using var system = await StartAsync();
        using var signed = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken);
        using var forged = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), authToken: null);
        foreach (var header in new[] { "X-Plivo-Signature-V3", "X-Plivo-Signature-V3-Nonce" })
        {
            forged.Headers.Add(header, signed.Headers.GetValues(header));
        }

        AssertRefused(await SendAsync(system, forged));
    }

    [Fact]
    public async Task SignatureMadeForAnotherUrl_403()
    {
        await using var system = await StartAsync();
        var form = FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, authToken: null);
        request.Headers.Add("X-Plivo-Signature-V3", FakePlivoWebhook.Sign(AuthToken, "https://elsewhere.example.com/api/plivo/voice", form));
        request.Headers.Add("X-Plivo-Signature-V3-Nonce", FakePlivoWebhook.Nonce);

        AssertRefused(await SendAsync(system, request));
    }

    [Fact]
    public async Task TransferSignedForOneNumber_SentForAnother_403()
    {
        await using var system = await StartAsync();
        var form = FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.TransferUrl(system, "+19005550100"), form, authToken: null);
        request.Headers.Add("X-Plivo-Signature-V3", FakePlivoWebhook.Sign(AuthToken, PlivoVoiceWebhookTests.TransferUrl(system, "+15557654321").AbsoluteUri, form));
        request.Headers.Add("X-Plivo-Signature-V3-Nonce", FakePlivoWebhook.Nonce);

        var xml = await SendAsync(system, request);

        AssertRefused(xml);
        Assert.Empty(xml.DialNumbers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("15557654321")]
    [InlineData("+1555765432100000000")]
    [InlineData("+15557654321</Number><Number>+19005550100")]
    [InlineData("sip:attacker@example.com")]
    [InlineData("+1555 7654321")]
    [InlineData("+0123456789")]
    public async Task TransferToAnythingButOneE164Number_Signed_400(string to)
    {
        await using var system = await StartAsync();

        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.TransferUrl(system, to), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, xml.Status);
        Assert.Contains("\"field\":\"to\"", xml.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/plivo/transfer")]
    [InlineData("/api/plivo/transfer?to=%2B15557654321&to=%2B19005550100")]
    public async Task TransferWithoutOrWithTwoNumbers_Signed_400(string pathAndQuery)
    {
        await using var system = await StartAsync();

        var xml = await FakePlivoWebhook.PostAsync(new Uri(system.BaseAddress, pathAndQuery), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, xml.Status);
        Assert.Empty(xml.DialNumbers);
    }

    [Theory]
    [InlineData("abc/../../Call")]
    [InlineData("abc?x=1")]
    [InlineData("abc%2F")]
    [InlineData("a b")]
    public async Task HostileCallUuid_Signed_400(string callUuid)
    {
        await using var system = await StartAsync();

        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, callUuid), AuthToken, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, xml.Status);
        Assert.Contains("CallUUID", xml.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedSignatureHeader_403()
    {
        await using var system = await StartAsync();
        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), authToken: null);
        request.Headers.Add("X-Plivo-Signature-V3", string.Join(',', Enumerable.Repeat("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 100)));
        request.Headers.Add("X-Plivo-Signature-V3-Nonce", FakePlivoWebhook.Nonce);

        AssertRefused(await SendAsync(system, request));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Oversized", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizedBody_413()
    {
        await using var system = await StartAsync();
        var form = FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        form["Padding"] = new string('a', 70 * 1024);
        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, AuthToken);
        request.Headers.ExpectContinue = true;

        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task TooManyFields_400()
    {
        await using var system = await StartAsync();
        var form = FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        for (var i = 0; i < 300; i++)
        {
            form[string.Create(CultureInfo.InvariantCulture, $"f{i}")] = "x";
        }

        using var request = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, AuthToken);
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task JsonBody_415()
    {
        await using var system = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, PlivoVoiceWebhookTests.AnswerUrl(system)) { Content = new StringContent("""{"To":"+15557003000"}""", Encoding.UTF8, "application/json") };

        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task WithoutPlivoAuthToken_NotServed_EveryRequest404()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");

        var answer = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);
        var transfer = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.TransferUrl(system, "+15557654321"), FakePlivoWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), AuthToken, system.Token);

        foreach (var refused in new[] { answer, transfer })
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.Status);
            Assert.Contains("provider_not_served", refused.Body, StringComparison.Ordinal);
            Assert.Empty(refused.DialNumbers);
        }

        Assert.Contains("PLIVO_AUTH_TOKEN", answer.Body, StringComparison.Ordinal);
    }

    private static void AssertRefused(PlivoXmlAnswer xml, string error = "invalid_signature")
    {
        Assert.Equal(HttpStatusCode.Forbidden, xml.Status);
        Assert.Contains(error, xml.Body, StringComparison.Ordinal);
        Assert.Null(xml.StreamUrl);
    }

    private static async Task<SystemHarness> StartAsync()
    {
        var system = await PlivoVoiceWebhookTests.StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "plivo");
        return system;
    }

    private static async Task<PlivoXmlAnswer> SendAsync(SystemHarness system, HttpRequestMessage request)
    {
        using var response = await system.Anonymous.SendAsync(request, system.Token);
        return await FakePlivoWebhook.ReadAsync(response, system.Token);
    }

    /// <summary>The path exactly as written: no dot-segment removal or unescaping on the client's side.</summary>
    private static Uri AsWritten(SystemHarness system, string path) =>
        new(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
