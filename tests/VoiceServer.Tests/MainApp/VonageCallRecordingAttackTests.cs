using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VoiceServer.Fakes;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse what Vonage recordings add: the recording event unsigned (in every spelling), wrongly signed,
/// tampered, stale, replayed, oversized, not JSON, with hostile ids, times, sizes and URLs, for another conversation or
/// one the app did not ask to record, or trying to replace or revive a recording; Vonage answering with a redirect or an
/// error body. None fetches or stores what it should not, a hostile <c>recording_url</c> is never fetched, no answer
/// passes Vonage's error details on, and the private key appears in no log line or answer.
/// </summary>
public sealed class VonageCallRecordingAttackTests
{
    private const string FileId = VonageCallRecordingTests.FileId;

    /// <summary>A recorded Vonage call, its file held by the fake Vonage and (with <paramref name="report"/>) reported.</summary>
    private static async Task<(VonageCallRecordingTests.Recorded Recorded, VonageCallRecordingTests.Call Call, byte[] Wav)> RecordedCallAsync(bool report = true)
    {
        var recorded = await VonageCallRecordingTests.StartAsync();
        var call = await VonageCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(FileId);
        if (report)
        {
            using var reported = await VonageCallRecordingTests.PostRecordingEventAsync(recorded.System, Event(recorded, call));
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        return (recorded, call, wav);
    }

    private static JsonObject Event(VonageCallRecordingTests.Recorded recorded, VonageCallRecordingTests.Call call) =>
        VonageCallRecordingTests.RecordingEvent(call.ConversationUuid, recorded.Api.FileUrl(FileId));

    private static async Task<bool> HasRecordingAsync(SystemHarness system, string callUuid) =>
        (await CallRecordingTests.ListedAsync(system, callUuid)).ContainsKey("recording");

    private static string MediaPath(string callUuid) => $"/api/calls/{callUuid}/recording";

    [Fact]
    public async Task Event_WronglySignedTamperedOrAnotherAlgorithm_403_NothingStored()
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var body = Encoding.UTF8.GetBytes(Event(recorded, call).ToJsonString());
        var other = Event(recorded, call);
        other["recording_uuid"] = "00000000-0000-4000-8000-000000000000";

        string[] tokens =
        [
            FakeVonageWebhook.Token(secret: "another-vonage-signature-secret-0123", body: body),
            // Signed for the event as Vonage sent it; the body below is another.
            FakeVonageWebhook.Token(body: body),
            FakeVonageWebhook.Token(body: body, algorithm: "HS384"),
            FakeVonageWebhook.Token(body: body, algorithm: "none"),
            // Signed without a payload_hash: the body is not covered.
            FakeVonageWebhook.Token(),
            "not-a-jwt",
        ];
        foreach (var token in tokens)
        {
            var sent = token == tokens[1] ? other.ToJsonString() : Encoding.UTF8.GetString(body);
            using var response = await system.Anonymous.SendAsync(FakeVonageWebhook.Post(VonageCallRecordingTests.CallbackUrl(system), sent, token), system.Token);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("invalid_signature", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        }

        Assert.False(await HasRecordingAsync(system, call.Uuid));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("PayloadMismatch", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task Event_Stale_403_NothingStored(int minutes)
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var body = Event(recorded, call).ToJsonString();
        var token = FakeVonageWebhook.Token(body: Encoding.UTF8.GetBytes(body), issuedAt: DateTimeOffset.UtcNow.AddMinutes(minutes));

        using var response = await system.Anonymous.SendAsync(FakeVonageWebhook.Post(VonageCallRecordingTests.CallbackUrl(system), body, token), system.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(await HasRecordingAsync(system, call.Uuid));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Stale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Event_WithoutVonageSignatureSecret_404_NotServed()
    {
        await using var recorded = await VonageCallRecordingTests.StartAsync(extra: new() { ["VONAGE_SIGNATURE_SECRET"] = null });
        var system = recorded.System;

        using var response = await VonageCallRecordingTests.PostRecordingEventAsync(system, VonageCallRecordingTests.RecordingEvent("CON-" + Guid.NewGuid(), recorded.Api.FileUrl(FileId)));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Event_OversizedNotJsonOrNotAnObject_4xx_NothingStored()
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var huge = Event(recorded, call);
        huge["padding"] = new string('x', 70_000);

        using var tooLarge = await VonageCallRecordingTests.PostRecordingEventAsync(system, huge);
        var answers = new List<HttpStatusCode>();
        foreach (var body in new[] { "recording_uuid=x", "[" + Event(recorded, call).ToJsonString() + "]", "\"text\"", string.Concat(Enumerable.Repeat("[", 100)), string.Empty })
        {
            using var response = await system.Anonymous.SendAsync(FakeVonageWebhook.Post(VonageCallRecordingTests.CallbackUrl(system), body), system.Token);
            answers.Add(response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.False(await HasRecordingAsync(system, call.Uuid));
    }

    public static TheoryData<string, string?> HostileFields => new()
    {
        { "conversation_uuid", "../x" },
        { "conversation_uuid", "CON-" },
        { "conversation_uuid", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab" },
        { "conversation_uuid", "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab\n" },
        { "conversation_uuid", "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ag" },
        { "conversation_uuid", "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab' OR '1'='1" },
        { "conversation_uuid", string.Empty },
        { "conversation_uuid", null },
        { "recording_uuid", "../../v1/files" },
        { "recording_uuid", "d8c75dcc-8a8d-4fb7-9d6e-527d5a43554" },
        { "recording_uuid", "d8c75dcc-8a8d-4fb7-9d6e-527d5a4355470" },
        { "recording_uuid", "d8c75dcc-8a8d-4fb7-9d6e-527d5a435547\n" },
        { "recording_uuid", "RE0123456789abcdef0123456789abcdef" },
        { "recording_uuid", string.Empty },
        { "recording_uuid", null },
        { "start_time", "yesterday" },
        { "start_time", "2026-13-45T99:00:00Z" },
        { "end_time", "2026-12-08T00:59:00Z" },
        { "end_time", "2026-12-10T01:00:00Z" },
        { "end_time", new string('9', 100) },
        { "recording_url", null },
    };

    [Theory]
    [MemberData(nameof(HostileFields))]
    public async Task Event_HostileField_400NamingIt_NothingStored(string field, string? value)
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var body = Event(recorded, call);
        body[field] = value;

        using var response = await VonageCallRecordingTests.PostRecordingEventAsync(recorded.System, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, call.Uuid));
        Assert.Empty(recorded.Api.Requests);
    }

    [Theory]
    [InlineData("size", "-1")]
    [InlineData("size", "1e30")]
    [InlineData("size", "4.5")]
    [InlineData("size", "\"12222\"")]
    [InlineData("size", "99999999999999999999")]
    [InlineData("recording_uuid", "42")]
    [InlineData("conversation_uuid", "{\"id\":\"CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab\"}")]
    [InlineData("recording_url", "[\"https://api.nexmo.com/v1/files/aaaaaaaa-bbbb-cccc-dddd-0123456789ab\"]")]
    [InlineData("start_time", "1765155600")]
    public async Task Event_FieldOfAnotherType_400NamingIt(string field, string json)
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var body = Event(recorded, call);
        body[field] = JsonNode.Parse(json);

        using var response = await VonageCallRecordingTests.PostRecordingEventAsync(recorded.System, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, call.Uuid));
    }

    [Theory]
    [InlineData("conversation_uuid")]
    [InlineData("recording_uuid")]
    [InlineData("recording_url")]
    public async Task Event_RequiredFieldMissing_400NamingIt(string field)
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var body = Event(recorded, call);
        body.Remove(field);

        using var response = await VonageCallRecordingTests.PostRecordingEventAsync(recorded.System, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, call.Uuid));
    }

    /// <summary>URLs a hostile event could send instead of a Vonage file; <c>{fake}</c> is the allowed fake's origin, <c>{elsewhere}</c> another server's.</summary>
    public static TheoryData<string> HostileRecordingUrls =>
    [
        "{elsewhere}/v1/files/" + FileId,
        "{elsewhere}/internal/secrets",
        "https://api.nexmo.com.evil.example/v1/files/" + FileId,
        "https://evil.example/v1/files/" + FileId,
        "{fake}/v1/files/" + FileId + "?redirect={elsewhere}",
        "{fake}/v1/files/" + FileId + "#x",
        "{fake}/v1/files/../../internal/secrets",
        "{fake}/v1/files/%2e%2e/%2e%2e/internal",
        "{fake}/v1/files/" + FileId + "/../../x",
        "{fake}/v1/files/" + FileId + "%2F..%2Fx",
        "{fake}/v2/files/" + FileId,
        "{fake}/v1/files/not-a-uuid",
        "{fake}/v1/files/" + FileId + "/",
        "{fake}//v1/files/" + FileId,
        "{userinfo}/v1/files/" + FileId,
        "{otherport}/v1/files/" + FileId,
        "{otherscheme}/v1/files/" + FileId,
        "/v1/files/" + FileId,
        "file:///etc/passwd",
        "not a url",
    ];

    [Theory]
    [MemberData(nameof(HostileRecordingUrls))]
    public async Task Event_HostileRecordingUrl_400_NeverStoredNorFetched(string template)
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        var fake = recorded.Api.BaseAddress;
        var url = template
            .Replace("{elsewhere}", elsewhere.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{fake}", fake.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            .Replace("{userinfo}", $"http://user:pass@{fake.Authority}", StringComparison.Ordinal)
            .Replace("{otherport}", $"http://{fake.Host}:{elsewhere.BaseAddress.Port}", StringComparison.Ordinal)
            .Replace("{otherscheme}", $"https://{fake.Authority}", StringComparison.Ordinal);
        var body = Event(recorded, call);
        body["recording_url"] = url;

        using var reported = await VonageCallRecordingTests.PostRecordingEventAsync(system, body);
        using var media = await system.Admin.GetAsync(MediaPath(call.Uuid), system.Token);

        Assert.Equal(HttpStatusCode.BadRequest, reported.StatusCode);
        Assert.Equal("recording_url", (string?)(await reported.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.Equal(HttpStatusCode.NotFound, media.StatusCode);
        Assert.Empty(elsewhere.Requests);
        Assert.Empty(recorded.Api.Requests);
        Assert.False(await HasRecordingAsync(system, call.Uuid));
    }

    [Fact]
    public async Task Event_NamingTheCallUuidInsteadOfItsConversation_204_NothingStored()
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var body = Event(recorded, call);
        body["conversation_uuid"] = "CON-" + call.Uuid;

        using var reported = await VonageCallRecordingTests.PostRecordingEventAsync(recorded.System, body);

        // Well formed, but no conversation the app asked to record: acknowledged, nothing kept.
        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.False(await HasRecordingAsync(recorded.System, call.Uuid));
    }

    [Fact]
    public async Task Event_AnotherRecordingForTheCall_IgnoredAndAfterDeleteNothingComesBack()
    {
        var (recorded, call, wav) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        const string OtherFile = "99999999-9999-4999-8999-999999999999";
        recorded.Api.AddRecording(OtherFile);

        using var replaced = await VonageCallRecordingTests.PostRecordingEventAsync(
            system, VonageCallRecordingTests.RecordingEvent(call.ConversationUuid, recorded.Api.FileUrl(OtherFile), recordingUuid: OtherFile));
        Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync(MediaPath(call.Uuid), system.Token));
        using var deleted = await system.Admin.DeleteAsync(MediaPath(call.Uuid), system.Token);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        // A fresh event for the forgotten recording (a new token: the first one is spent).
        var late = Event(recorded, call);
        late["end_time"] = "2026-12-08T01:00:43Z";
        using var revived = await VonageCallRecordingTests.PostRecordingEventAsync(system, late);
        using var media = await system.Admin.GetAsync(MediaPath(call.Uuid), system.Token);
        using var deletedAgain = await system.Admin.DeleteAsync(MediaPath(call.Uuid), system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (revived.StatusCode, media.StatusCode, deletedAgain.StatusCode));
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, call.Uuid))["recording"]!["status"]);
        Assert.All(recorded.Api.Requests, request => Assert.Equal($"/v1/files/{FileId}", request.Path));
    }

    [Fact]
    public async Task TwilioCallback_WithAVonageCallsUuid_400_NothingStored()
    {
        var (recorded, call, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;

        using var twilio = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(call.Uuid));

        Assert.Equal(HttpStatusCode.BadRequest, twilio.StatusCode);
        Assert.False(await HasRecordingAsync(system, call.Uuid));
    }

    [Fact]
    public async Task MediaRedirect_NotFollowed_502()
    {
        var (recorded, call, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        recorded.Api.ForcedAnswer = (StatusCodes.Status302Found, elsewhere.Url("/internal/secrets").ToString());

        using var response = await system.Admin.GetAsync(MediaPath(call.Uuid), system.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(FakeVonageRestApi.ErrorDetail, await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Theory]
    [InlineData(StatusCodes.Status500InternalServerError, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status401Unauthorized, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status404NotFound, HttpStatusCode.NotFound)]
    public async Task VonageError_ItsBodyNeverPassedOn(int vonageStatus, HttpStatusCode expected)
    {
        var (recorded, call, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        recorded.Api.ForcedAnswer = (vonageStatus, null);

        using var media = await system.Admin.GetAsync(MediaPath(call.Uuid), system.Token);
        var answer = await media.Content.ReadAsStringAsync(system.Token);

        Assert.Equal(expected, media.StatusCode);
        Assert.DoesNotContain(FakeVonageRestApi.ErrorDetail, answer, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(FakeVonageRestApi.ErrorDetail, StringComparison.Ordinal));
        Assert.Equal("completed", (string?)(await CallRecordingTests.ListedAsync(system, call.Uuid))["recording"]!["status"]);
    }

    [Fact]
    public async Task OriginsNarrowedAfterTheEvent_TheStoredUrlIsNoLongerFetched()
    {
        // Another instance whose VONAGE_RECORDING_ORIGINS no longer names the fake: the stored URL is checked again.
        await using var recorded = await VonageCallRecordingTests.StartAsync();
        var (system, api) = recorded;
        var call = await VonageCallRecordingTests.CallAsync(recorded);
        api.AddRecording(FileId);
        using (var reported = await VonageCallRecordingTests.PostRecordingEventAsync(system, VonageCallRecordingTests.RecordingEvent(call.ConversationUuid, api.FileUrl(FileId))))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        await using var narrowed = await system.StartAnotherMainAppAsync(static services =>
            services.PostConfigure<MainAppOptions>(static options => options.VonageRecordingOrigins = [new Uri("https://api.nexmo.com")]));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(system.BaseAddress, MediaPath(call.Uuid)));
        request.Headers.Add("X-Api-Key", SystemHarness.AdminKey);
        using var response = await narrowed.SendCopyAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("VONAGE_RECORDING_ORIGINS", await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.Empty(api.Requests);
    }

    [Theory]
    [InlineData("aaaaaaaa-bbbb-cccc-dddd-0123456789a")]
    [InlineData("aaaaaaaa-bbbb-cccc-dddd-0123456789ab%0A")]
    [InlineData("aaaaaaaa-bbbb-cccc-dddd-0123456789ab%2F..%2F..")]
    [InlineData("CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab")]
    [InlineData("..%2F..%2Fv1%2Ffiles")]
    public async Task HostileAdminCallUuid_400NamingIt_NothingFetched(string callUuid)
    {
        var (recorded, _, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;

        foreach (var method in new[] { "GET", "DELETE" })
        {
            using var response = await AdminApiAuthenticationTests.SendRawAsync(system, method, $"/api/calls/{callUuid}/recording", body: null, SystemHarness.AdminKey);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(system.Token))!;
            Assert.Equal("callSid", (string?)error["field"]);
            Assert.Contains("Vonage call uuid", (string?)error["message"], StringComparison.Ordinal);
        }

        Assert.Empty(recorded.Api.Requests);
    }

    [Fact]
    public async Task ThePrivateKey_AppearsInNoLogLineOrAnswer()
    {
        var (recorded, call, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        var answers = new List<string>();
        recorded.Api.ForcedAnswer = (StatusCodes.Status401Unauthorized, null);
        foreach (var path in new[] { MediaPath(call.Uuid), MediaPath(call.Uuid) + "?format=mp3", MediaPath(Guid.NewGuid().ToString()), "/api/calls" })
        {
            using var response = await system.Admin.GetAsync(path, system.Token);
            answers.Add(await response.Content.ReadAsStringAsync(system.Token));
        }

        recorded.Api.ForcedAnswer = null;
        using (var media = await system.Admin.GetAsync(MediaPath(call.Uuid), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        }

        using var deleted = await system.Admin.DeleteAsync(MediaPath(call.Uuid), system.Token);
        answers.Add(await deleted.Content.ReadAsStringAsync(system.Token));

        // Any run of the key's base64 body would show it; the tokens the fake accepted would too.
        var keyLine = VonageCallRecordingTests.PrivateKeyPem.Split('\n')[2];
        var tokens = recorded.Api.Requests.Select(r => r.Headers.GetValueOrDefault("Authorization")!["Bearer ".Length..]).ToList();
        Assert.NotEmpty(tokens);
        Assert.DoesNotContain(answers, answer => answer.Contains(keyLine, StringComparison.Ordinal) || tokens.Any(t => answer.Contains(t, StringComparison.Ordinal)));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(keyLine, StringComparison.Ordinal) || tokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal)));
        Assert.All(answers, answer => Assert.DoesNotContain("PRIVATE KEY", answer, StringComparison.Ordinal));
    }
}
