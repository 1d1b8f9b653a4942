using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Attacks on <c>/api/vonage/answer</c> and <c>/api/vonage/events</c>: nothing without a fresh HS256 JWT signed with
/// the signature secret, bound to a POST's exact body, used once, in any spelling of the path; bodies stay bounded.
/// </summary>
public sealed class VonageWebhookAttackTests
{
    private const string Number = VonageWebhookTests.Number;

    public static TheoryData<string> Spellings => [
        "/api/vonage/answer", "/API/VONAGE/ANSWER", "/api/vonage/answer/", "/api/%76onage/answer", "//api/vonage/answer", "/api/x/../vonage/answer", "/api/x/%2e%2e/vonage/answer",
        "/api/vonage/events", "/API/VONAGE/EVENTS", "/api/vonage/events/", "/api/x/../vonage/events",
    ];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task UnsignedInAnySpelling_Refused(string path)
    {
        await using var system = await StartAsync();
        var url = new Uri(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var get = new HttpRequestMessage(HttpMethod.Get, url);
        using var post = FakeVonageWebhook.Post(url, FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()).ToJsonString(), token: null);

        foreach (var request in new[] { get, post })
        {
            var (status, _, body) = await VonageWebhookTests.SendAsync(system, request);
            Assert.Contains(status, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
            Assert.DoesNotContain("websocket", body, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> ForgedTokens => new()
    {
        FakeVonageWebhook.Token(secret: "not-the-signature-secret-0123456789abcdef"),
        FakeVonageWebhook.Token(algorithm: "HS384"),
        FakeVonageWebhook.Token(algorithm: "none"),
        "not.a.jwt",
        FakeVonageWebhook.Token()[..^4],
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task ForgedOrOtherAlgorithm_403(string token)
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), token);
        var (status, _, body) = await VonageWebhookTests.SendAsync(system, request);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("invalid_signature", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public async Task IatOutsideTheWindow_403(int seconds)
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token(issuedAt: DateTimeOffset.UtcNow.AddSeconds(seconds)));
        var (status, _, _) = await VonageWebhookTests.SendAsync(system, request);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Stale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutIat_403()
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token(edit: payload => payload.Remove("iat")));

        Assert.Equal(HttpStatusCode.Forbidden, (await VonageWebhookTests.SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task TokenForOneBody_OnAnotherCallsBody_403()
    {
        await using var system = await StartAsync();
        var signedFor = Encoding.UTF8.GetBytes(FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()).ToJsonString());

        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()).ToJsonString(), FakeVonageWebhook.Token(body: signedFor));
        var (status, _, body) = await VonageWebhookTests.SendAsync(system, request);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.DoesNotContain("websocket", body, StringComparison.Ordinal);
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("PayloadMismatch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PostWithoutPayloadHash_403()
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()).ToJsonString(), FakeVonageWebhook.Token());

        Assert.Equal(HttpStatusCode.Forbidden, (await VonageWebhookTests.SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task SameTokenTwice_SecondRefusedAsAReplay()
    {
        await using var system = await StartAsync();
        var token = FakeVonageWebhook.Token();

        using var first = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), token);
        using var again = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), token);

        Assert.Equal(HttpStatusCode.OK, (await VonageWebhookTests.SendAsync(system, first)).Status);
        var (status, _, body) = await VonageWebhookTests.SendAsync(system, again);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("replayed", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc/../../calls")]
    [InlineData("abc?x=1")]
    [InlineData("a b")]
    [InlineData("%2e%2e")]
    public async Task HostileUuid_Signed_400(string uuid)
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, uuid), FakeVonageWebhook.Token());
        var (status, _, body) = await VonageWebhookTests.SendAsync(system, request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("uuid", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("not json")]
    [InlineData("\"a string\"")]
    public async Task AnswerBodyNotAnObject_Signed_400(string body)
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), body);

        Assert.Equal(HttpStatusCode.BadRequest, (await VonageWebhookTests.SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task DeeplyNestedJson_Signed_400()
    {
        await using var system = await StartAsync();

        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), "{\"a\":" + new string('[', 1000) + new string(']', 1000) + "}");

        Assert.Equal(HttpStatusCode.BadRequest, (await VonageWebhookTests.SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task OversizedBody_413()
    {
        await using var system = await StartAsync();
        var call = FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString());
        call["padding"] = new string('a', 70 * 1024);
        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), call.ToJsonString());
        request.Headers.ExpectContinue = true;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await VonageWebhookTests.SendAsync(system, request)).Status);
    }

    [Fact]
    public async Task WithoutVonageSignatureSecret_NotServed_EveryRequest404()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");

        using var answer = FakeVonageWebhook.Get(VonageWebhookTests.AnswerUrl(system), FakeVonageWebhook.IncomingCall(Number, Guid.NewGuid().ToString()), FakeVonageWebhook.Token());
        using var events = FakeVonageWebhook.Post(VonageWebhookTests.EventsUrl(system), new JsonObject { ["status"] = "answered" }.ToJsonString());

        foreach (var request in new[] { answer, events })
        {
            var (status, _, body) = await VonageWebhookTests.SendAsync(system, request);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Contains("provider_not_served", body, StringComparison.Ordinal);
            Assert.Contains("VONAGE_SIGNATURE_SECRET", body, StringComparison.Ordinal);
        }
    }

    private static async Task<SystemHarness> StartAsync()
    {
        var system = await VonageWebhookTests.StartAsync();
        await system.CreateAgentAsync("bakery", Number, TelnyxVoiceWebhookTests.Agent(), provider: "vonage");
        return system;
    }
}
