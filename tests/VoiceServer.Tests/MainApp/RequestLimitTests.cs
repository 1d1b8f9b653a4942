using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Each endpoint reads at most its cap of body (413 with a JSON error beyond it, refused before it is buffered), and
/// input that cannot be read is a 4xx with a JSON error, never a 500; nothing is stored either way.
/// </summary>
public sealed class RequestLimitTests
{
    private const string Number = "+15557001234";

    [Fact]
    public async Task CallRecord_OverTheCap_413Json_NothingStored()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        // Signed and well-formed: only its size is wrong.
        var record = SystemHarness.CallRecord("huge", turnText: new string('a', 8 * 1024 * 1024)).ToJsonString();

        using var response = await system.PostCallRecordAsync(record);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", system.Token);
        Assert.Empty(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
    }

    [Fact]
    public async Task CallRecord_OfAVeryLongCall_FitsUnderTheCap()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        var record = SystemHarness.CallRecord("long");
        var turns = new JsonArray();
        for (var i = 0; i < 6_000; i++)
        {
            // About 250 bytes a turn: 6,000 turns is 1.5 MB, many hours of conversation.
            turns.Add(new JsonObject { ["speaker"] = i % 2 == 0 ? "caller" : "agent", ["text"] = new string('w', 180), ["startedAt"] = "2026-11-24T09:00:01+00:00", ["interrupted"] = false });
        }

        record["turns"] = turns;
        var body = record.ToJsonString();
        Assert.InRange(body.Length, 1_400_000, 2_000_000);

        using var response = await system.PostCallRecordAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(await system.Store.ListCallRecordsAsync(null, 10, system.Token)).RecordJson);
    }

    [Fact]
    public async Task VoiceWebhook_OverTheCap_413Json_NoTwiml()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, new JsonObject { ["name"] = "Bakery" });
        // Signed, each field under the form reader's default 4 MB value limit, 8 MB in all.
        var form = WebhookForm(("Padding1", new string('p', 3_000_000)), ("Padding2", new string('p', 3_000_000)), ("Padding3", new string('p', 2_400_000)));

        using var response = await PostWebhookAsync(system, form);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", system.Token);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "CallRouted");
    }

    [Fact]
    public async Task VoiceWebhook_OneHugeFormValue_4xxNot500()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, new JsonObject { ["name"] = "Bakery" });

        using var response = await PostWebhookAsync(system, WebhookForm(("CallerName", new string('n', (4 * 1024 * 1024) + 1))));

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", system.Token);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "CallRouted");
    }

    [Fact]
    public async Task VoiceWebhook_TooManyFields_400Not500()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync("bakery", Number, new JsonObject { ["name"] = "Bakery" });

        using var response = await PostWebhookAsync(system, WebhookForm([.. Enumerable.Range(0, 300).Select(i => ($"F{i}", "x"))]));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "bad_request", system.Token);
        Assert.DoesNotContain(system.Logs.Entries, e => e.EventName == "CallRouted");
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nnot a part")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"To\"\r\n\r\n+1555")]
    [InlineData("application/x-www-form-urlencoded", "To=%E0%A4%A&&==%%%&From")]
    [InlineData("application/x-www-form-urlencoded; charset=utf-16", "\uFFFE=\uD800")]
    [InlineData("application/json", """{"To":"+15557001234"}""")]
    public async Task VoiceWebhook_MalformedForm_4xxNot500(string contentType, string body)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await system.Anonymous.PostAsync("/api/twilio/voice", content, system.Token);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AdminPut_OverTheCap_413Json_NothingStored()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/agents/big") { Content = JsonContent.Create(new JsonObject { ["name"] = "Big", ["prompt"] = new string('a', 2 * 1024 * 1024) }) };
        request.Headers.Add("X-Api-Key", SystemHarness.AdminKey);
        request.Headers.ExpectContinue = true;
        await request.Content.LoadIntoBufferAsync(system.Token);

        using var response = await system.Anonymous.SendAsync(request, system.Token);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large", system.Token);
        Assert.Empty(await system.Store.ListAsync(system.Token));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"name":"x","temperature":"hot"}""")]
    [InlineData("null")]
    [InlineData("")]
    public async Task AdminPut_MalformedJson_400Json(string body)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await system.Admin.PutAsync("/api/agents/x", new StringContent(body, Encoding.UTF8, "application/json"), system.Token);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, null, system.Token);
        Assert.Empty(await system.Store.ListAsync(system.Token));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"callId":5,"startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","durationMs":1,"endReason":"x"}""")]
    [InlineData("""{"callId":"c","startedAt":"yesterday","endedAt":"2026-11-24T09:01:00Z","durationMs":1,"endReason":"x"}""")]
    [InlineData("""{"callId":"c","startedAt":"2026-11-24T09:00:00Z","endedAt":"2026-11-24T09:01:00Z","durationMs":1e40,"endReason":"x"}""")]
    public async Task CallRecord_Malformed_400Json_NothingStored(string body)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");

        using var response = await system.PostCallRecordAsync(body);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_record", system.Token);
        Assert.Empty(await system.Store.ListCallRecordsAsync(null, 10, system.Token));
    }

    private static KeyValuePair<string, string>[] WebhookForm(params (string Name, string Value)[] extra) =>
    [
        new("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        new("CallSid", TwilioIds.NewCallSid()),
        new("From", "+15550001111"),
        new("To", Number),
        .. extra.Select(field => new KeyValuePair<string, string>(field.Name, field.Value)),
    ];

    /// <summary>The webhook, signed as Twilio signs it, sending the body only after 100 Continue.</summary>
    private static async Task<HttpResponseMessage> PostWebhookAsync(SystemHarness system, KeyValuePair<string, string>[] form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, system.WebhookUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", TwilioIds.ComputeSignature(SystemHarness.AuthToken, system.WebhookUrl.ToString(), form));
        request.Headers.ExpectContinue = true;
        await request.Content.LoadIntoBufferAsync(system.Token);
        return await system.Anonymous.SendAsync(request, system.Token);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? error, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.NotNull((string?)json["message"]);
        if (error is not null)
        {
            Assert.Equal(error, (string?)json["error"]);
        }
    }
}
