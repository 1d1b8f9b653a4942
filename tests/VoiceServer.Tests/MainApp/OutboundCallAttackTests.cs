using System.Net;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse what outbound calls add: <c>POST /api/calls</c> under other spellings with no or wrong keys and
/// with hostile sizes; Twilio's status callback unsigned, wrongly signed, from another account, oversized, or naming a
/// call the app did not place; and the voice webhook's outbound marker with a signature that does not cover it. None
/// places a call or frees a limit.
/// </summary>
public sealed class OutboundCallAttackTests
{
    private const string Body = """{"agentId":"bakery","to":"+15557654321"}""";

    private static readonly string[] s_spellings =
    [
        "/api/calls",
        "/API/CALLS",
        "/Api/Calls",
        "/api/calls/",
        "/api/%63alls",
        "/api/%43alls",
        "/api//calls",
        "/api/x/../calls",
        "/api/x/%2e%2e/calls",
    ];

    [Fact]
    public async Task PlaceCall_AnySpelling_WithoutTheRightKey_401_NothingPlaced()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        var failures = new List<string>();
        foreach (var path in s_spellings)
        {
            foreach (var key in new[] { null, "wrong-key", string.Empty, SystemHarness.AdminKey.ToUpperInvariant() })
            {
                using var response = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", path, Body, key);
                var text = await response.Content.ReadAsStringAsync(system.Token);
                if (response.StatusCode == HttpStatusCode.Unauthorized
                    ? !text.Contains("\"error\":\"unauthorized\"", StringComparison.Ordinal)
                    : response.StatusCode != HttpStatusCode.NotFound)
                {
                    failures.Add($"POST {path} (key {key ?? "none"}): {(int)response.StatusCode} {text}");
                }
            }
        }

        Assert.Empty(failures);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task PlaceCall_OversizedBody_413_HostileValues_400_NothingPlaced()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        using var huge = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", $$"""{"agentId":"bakery","to":"+15557654321","from":"{{new string('1', 20_000)}}"}""", SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        foreach (var body in new[] { "{not json", """{"agentId":7,"to":"+15557654321"}""", """{"agentId":"bakery","to":"+1555765432100000000"}""", """{"agentId":"bakery","to":"+15557654321\n"}""" })
        {
            using var bad = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", body, SystemHarness.AdminKey);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{body}: {(int)bad.StatusCode}");
        }

        using var longAgent = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", $$"""{"agentId":"{{new string('a', 10_000)}}","to":"+15557654321"}""", SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, longAgent.StatusCode);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task StatusCallback_UnsignedOrWronglySigned_403_TheLimitStaysTaken()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync(agent: new JsonObject { ["name"] = "Reminders", ["outboundMaxConcurrent"] = 1 });
        await using var _ = system;
        await using var __ = twilio;
        using var placed = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        using var unsigned = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/call-status", OutboundCallTests.StatusForm(OutboundCallTests.PlacedSid, "completed"), authToken: null);
        using var wrongToken = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/call-status", OutboundCallTests.StatusForm(OutboundCallTests.PlacedSid, "completed"), authToken: "not-the-auth-token");
        using var otherAccount = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/call-status", OutboundCallTests.StatusForm(OutboundCallTests.PlacedSid, "completed", accountSid: "AC99999999999999999999999999999999"));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (unsigned.StatusCode, wrongToken.StatusCode, otherAccount.StatusCode));
        using var stillLimited = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
        Assert.Single(twilio.Requests);
    }

    [Fact]
    public async Task StatusCallback_SignedForACallTheAppDidNotPlace_ChangesNothing()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync(agent: new JsonObject { ["name"] = "Reminders", ["outboundMaxConcurrent"] = 1 });
        await using var _ = system;
        await using var __ = twilio;
        using var placed = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        using var other = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/call-status", OutboundCallTests.StatusForm(TwilioIds.NewCallSid(), "completed"));

        Assert.Equal(HttpStatusCode.NoContent, other.StatusCode);
        using var stillLimited = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillLimited.StatusCode);
    }

    [Fact]
    public async Task StatusCallback_OversizedOrNotAForm_4xx()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var form = OutboundCallTests.StatusForm(OutboundCallTests.PlacedSid, "completed");
        form["Padding"] = new string('x', 70_000);

        using var huge = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/call-status", form);
        using var json = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/twilio/call-status", """{"CallSid":"CA0"}""", key: null);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType), (huge.StatusCode, json.StatusCode));
    }

    [Fact]
    public async Task VoiceWebhook_OutboundMarkerNotCoveredByTheSignature_403()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var form = new Dictionary<string, string>
        {
            ["AccountSid"] = OutboundCallTests.AccountSid,
            ["CallSid"] = TwilioIds.NewCallSid(),
            ["From"] = "+15550001111",
            ["To"] = "+15559998888",
            ["Direction"] = "outbound-api",
        };
        // Signed for the plain webhook URL, then sent with the marker added: the agent's TwiML is not given out.
        var signature = TwilioIds.ComputeSignature(SystemHarness.AuthToken, system.WebhookUrl.ToString(), form);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(system.BaseAddress, "/api/twilio/voice?outboundAgent=bakery")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);

        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task VoiceWebhook_OutboundMarkerForADisabledOrUnknownAgent_Apology()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var form = new Dictionary<string, string> { ["AccountSid"] = OutboundCallTests.AccountSid, ["CallSid"] = TwilioIds.NewCallSid(), ["From"] = OutboundCallTests.AgentNumber, ["To"] = OutboundCallTests.Callee };

        var twiml = await FakeTwilioWebhook.PostAsync(new Uri(system.BaseAddress, "/api/twilio/voice?outboundAgent=nobody"), SystemHarness.AuthToken, form, system.Token);

        Assert.Equal(HttpStatusCode.OK, twiml.Status);
        Assert.Null(twiml.StreamUrl);
        Assert.True(twiml.HangsUp);
    }

    [Theory]
    [InlineData("call-status")]
    [InlineData("amd")]
    public async Task Callback_AnySpelling_Unsigned_NeverActs(string name)
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        using var placed = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var form = name == "amd"
            ? OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "machine_end_beep")
            : OutboundCallTests.StatusForm(OutboundCallTests.PlacedSid, "completed");
        var spellings = new[]
        {
            $"/api/twilio/{name}", $"/API/TWILIO/{name.ToUpperInvariant()}", $"/api/twilio/{name}/", $"/api/twilio/%{(int)name[0]:x2}{name[1..]}",
            $"/api//twilio/{name}", $"/api/twilio/x/../{name}", $"/api/twilio/x/%2e%2e/{name}",
        };

        var failures = new List<string>();
        foreach (var path in spellings)
        {
            var url = new Uri(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
            using var response = await system.Anonymous.SendAsync(request, system.Token);
            if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed))
            {
                failures.Add($"POST {path}: {(int)response.StatusCode}");
            }
        }

        Assert.Empty(failures);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName is "Answered" or "Ended");
    }

    [Fact]
    public async Task AmdCallback_UnsignedWronglySignedOrAnotherAccount_403_NothingStored()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        using var placed = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/calls", Body, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);

        using var unsigned = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "machine_end_beep"), authToken: null);
        using var wrongToken = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "machine_end_beep"), authToken: "not-the-auth-token");
        using var otherAccount = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "machine_end_beep", accountSid: "AC99999999999999999999999999999999"));
        using var notTwilios = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "robot"));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.BadRequest), (unsigned.StatusCode, wrongToken.StatusCode, otherAccount.StatusCode, notTwilios.StatusCode));
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "Answered");
    }

    [Fact]
    public async Task AmdCallback_SignedForACallTheAppDidNotPlace_ChangesNothing()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        using var other = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", OutboundCallTests.AmdForm(TwilioIds.NewCallSid(), "machine_end_beep"));

        Assert.Equal(HttpStatusCode.NoContent, other.StatusCode);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "Answered");
    }

    [Fact]
    public async Task AmdCallback_OversizedOrNotAForm_4xx()
    {
        var (system, twilio) = await OutboundCallTests.StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var form = OutboundCallTests.AmdForm(OutboundCallTests.PlacedSid, "human");
        form["Padding"] = new string('x', 70_000);

        using var huge = await OutboundCallTests.PostSignedAsync(system, "/api/twilio/amd", form);
        using var json = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/twilio/amd", """{"AnsweredBy":"human"}""", key: null);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.UnsupportedMediaType), (huge.StatusCode, json.StatusCode));
    }
}
