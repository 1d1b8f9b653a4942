using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VoiceServer.Fakes;
using VoiceServer.PlivoEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse what Plivo recordings add: the recording callback unsigned (in every spelling), wrongly signed,
/// tampered, replayed, oversized, not a form, with hostile ids, lengths and URLs, for another call or one the app did
/// not ask to record, or trying to replace or revive a recording; Plivo answering with a redirect or an error body.
/// None fetches, deletes or stores what it should not, no answer passes Plivo's error details on, and the Auth Token
/// appears in no log line or answer.
/// </summary>
public sealed class PlivoCallRecordingAttackTests
{
    private const string RecordingId = PlivoCallRecordingTests.RecordingId;

    /// <summary>A recorded Plivo call, its recording held by the fake Plivo and (with <paramref name="report"/>) reported.</summary>
    private static async Task<(PlivoCallRecordingTests.Recorded Recorded, string CallUuid, byte[] Wav)> RecordedCallAsync(bool report = true)
    {
        var recorded = await PlivoCallRecordingTests.StartAsync();
        var (callUuid, _) = await PlivoCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(RecordingId);
        if (report)
        {
            using var reported = await PlivoCallRecordingTests.PostRecordingStatusAsync(recorded.System, PlivoCallRecordingTests.RecordingForm(callUuid));
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        return (recorded, callUuid, wav);
    }

    private static async Task<bool> HasRecordingAsync(SystemHarness system, string callUuid) =>
        (await CallRecordingTests.ListedAsync(system, callUuid)).ContainsKey("recording");

    private static string MediaPath(string callUuid) => $"/api/calls/{callUuid}/recording";

    [Fact]
    public async Task Callback_SignedWithAnotherTokenForAnotherUrlOrTampered_403_NothingStored()
    {
        var (recorded, callUuid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var form = PlivoCallRecordingTests.RecordingForm(callUuid);

        using var otherToken = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, form, authToken: "another-plivo-auth-token");
        // Signed for the answer URL, sent to the callback.
        using var otherUrl = FakePlivoWebhook.CreateRequest(PlivoVoiceWebhookTests.AnswerUrl(system), form, PlivoCallRecordingTests.AuthToken);
        otherUrl.RequestUri = PlivoCallRecordingTests.CallbackUrl(system);
        using var otherUrlResponse = await system.Anonymous.SendAsync(otherUrl, system.Token);
        // Signed for the form as Plivo sent it, then the recording id changed on the way.
        using var signed = FakePlivoWebhook.CreateRequest(PlivoCallRecordingTests.CallbackUrl(system), form, PlivoCallRecordingTests.AuthToken);
        using var tampered = FakePlivoWebhook.CreateRequest(PlivoCallRecordingTests.CallbackUrl(system), PlivoCallRecordingTests.RecordingForm(callUuid, recordingId: "00000000-0000-4000-8000-000000000000"), authToken: null);
        foreach (var header in new[] { "X-Plivo-Signature-V3", "X-Plivo-Signature-V3-Nonce" })
        {
            tampered.Headers.Add(header, signed.Headers.GetValues(header));
        }

        using var tamperedResponse = await system.Anonymous.SendAsync(tampered, system.Token);

        Assert.Equal(
            (HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden),
            (otherToken.StatusCode, otherUrlResponse.StatusCode, tamperedResponse.StatusCode));
        Assert.Contains("invalid_signature", await tamperedResponse.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.False(await HasRecordingAsync(system, callUuid));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_WithoutPlivoAuthToken_404_NotServed()
    {
        await using var recorded = await PlivoCallRecordingTests.StartAsync(extra: new() { ["PLIVO_AUTH_TOKEN"] = null });
        var system = recorded.System;

        using var response = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, PlivoCallRecordingTests.RecordingForm(Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Callback_OversizedTooManyFieldsOrNotAForm_4xx()
    {
        var (recorded, callUuid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var huge = PlivoCallRecordingTests.RecordingForm(callUuid);
        huge["Padding"] = new string('x', 70_000);
        var many = PlivoCallRecordingTests.RecordingForm(callUuid);
        for (var i = 0; i < 300; i++)
        {
            many[string.Create(CultureInfo.InvariantCulture, $"F{i}")] = "x";
        }

        using var tooLarge = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, huge);
        using var tooMany = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, many);
        using var json = new HttpRequestMessage(HttpMethod.Post, PlivoCallRecordingTests.CallbackUrl(system))
        {
            Content = new StringContent($$"""{"CallUUID":"{{callUuid}}","RecordingID":"{{RecordingId}}"}""", Encoding.UTF8, "application/json"),
        };
        using var jsonResponse = await system.Anonymous.SendAsync(json, system.Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, jsonResponse.StatusCode);
        Assert.False(await HasRecordingAsync(system, callUuid));
    }

    [Theory]
    [InlineData("RecordingID", "../../v1/Account")]
    [InlineData("RecordingID", "https://evil.example/steal")]
    [InlineData("RecordingID", "RE0123456789abcdef0123456789abcdef")]
    [InlineData("RecordingID", "c2186400-1c8c-11e4-a664-0026b945b52")]
    [InlineData("RecordingID", "c2186400-1c8c-11e4-a664-0026b945b52a0")]
    [InlineData("RecordingID", "c2186400-1c8c-11e4-a664-0026b945b52a\n")]
    [InlineData("RecordingID", "c2186400-1c8c-11e4-a664-0026b945b52a/../x")]
    [InlineData("RecordingID", "c2186400-1c8c-11e4-a664-0026b945b5%2F")]
    [InlineData("RecordingID", "")]
    [InlineData("CallUUID", "../x")]
    [InlineData("CallUUID", "v3:abc")]
    [InlineData("CallUUID", "CA0123456789abcdef0123456789abcdef")]
    [InlineData("CallUUID", "c2c128e2-1c8c-11e4-9bff-1db8a9db043z")]
    [InlineData("CallUUID", "c2c128e2-1c8c-11e4-9bff-1db8a9db0432\n")]
    [InlineData("CallUUID", "")]
    [InlineData("RecordingDuration", "1e9")]
    [InlineData("RecordingDuration", "99999999999")]
    [InlineData("RecordingDuration", "-5")]
    [InlineData("RecordingDuration", "4.2")]
    [InlineData("RecordingDuration", "86401")]
    [InlineData("RecordingDurationMs", "-1")]
    [InlineData("RecordingDurationMs", "1e9")]
    [InlineData("RecordingDurationMs", "86400001")]
    [InlineData("RecordingDurationMs", "NaN")]
    [InlineData("RecordingDurationMs", "4,2")]
    [InlineData("RecordingDurationMs", "000000000000000000000000000000000001")]
    public async Task Callback_HostileField_400NamingIt_NothingStored(string field, string value)
    {
        var (recorded, callUuid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var form = PlivoCallRecordingTests.RecordingForm(callUuid);
        form[field] = value;

        using var response = await PlivoCallRecordingTests.PostRecordingStatusAsync(recorded.System, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, callUuid));
    }

    [Theory]
    [InlineData("CallUUID")]
    [InlineData("RecordingID")]
    public async Task Callback_RequiredFieldMissing_400NamingIt(string field)
    {
        var (recorded, callUuid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var form = PlivoCallRecordingTests.RecordingForm(callUuid);
        form.Remove(field);

        using var response = await PlivoCallRecordingTests.PostRecordingStatusAsync(recorded.System, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, callUuid));
    }

    [Fact]
    public async Task Callback_HostileRecordUrl_NeverFetchedNorListed_TheMediaComesById()
    {
        var (recorded, callUuid, wav) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        var form = PlivoCallRecordingTests.RecordingForm(callUuid);
        form["RecordUrl"] = elsewhere.Url("/internal/secrets").ToString();

        using var reported = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, form);
        var media = await system.Admin.GetByteArrayAsync(MediaPath(callUuid), system.Token);

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(wav, media);
        Assert.Empty(elsewhere.Requests);
        Assert.Equal($"/media/v1/Account/{PlivoCallRecordingTests.AuthId}/Recording/{RecordingId}.wav", Assert.Single(recorded.Api.Requests).Path);
        var listed = (await CallRecordingTests.ListedAsync(system, callUuid)).ToJsonString();
        Assert.DoesNotContain(elsewhere.BaseAddress.Authority, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(recorded.Api.BaseAddress.Authority, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callback_WithATelnyxCallsId_400_NothingStored()
    {
        // A Telnyx call the app asked to record, named by a Plivo callback.
        await using var telnyx = await TelnyxCallRecordingTests.StartAsync(extra: new() { ["PLIVO_AUTH_TOKEN"] = PlivoCallRecordingTests.AuthToken });
        var (telnyxCall, _) = await TelnyxCallRecordingTests.CallAsync(telnyx);
        using var reported = await PlivoCallRecordingTests.PostRecordingStatusAsync(telnyx.System, PlivoCallRecordingTests.RecordingForm(telnyxCall));

        // A Telnyx call id is no CallUUID: refused before any lookup.
        Assert.Equal(HttpStatusCode.BadRequest, reported.StatusCode);
        Assert.False(await HasRecordingAsync(telnyx.System, telnyxCall));
    }

    [Fact]
    public async Task Callback_AnotherRecordingIdForTheCall_IgnoredAndAfterDeleteNothingComesBack()
    {
        var (recorded, callUuid, wav) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        const string Other = "99999999-9999-4999-8999-999999999999";
        recorded.Api.AddRecording(Other);

        using var replaced = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, PlivoCallRecordingTests.RecordingForm(callUuid, recordingId: Other));
        Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync(MediaPath(callUuid), system.Token));
        using var deleted = await system.Admin.DeleteAsync(MediaPath(callUuid), system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // A fresh callback for the deleted recording (a new nonce: the first one is spent).
        var late = PlivoCallRecordingTests.RecordingForm(callUuid);
        late["RecordingDuration"] = "43";
        using var revived = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, late);
        using var media = await system.Admin.GetAsync(MediaPath(callUuid), system.Token);
        using var deletedAgain = await system.Admin.DeleteAsync(MediaPath(callUuid), system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (revived.StatusCode, media.StatusCode, deletedAgain.StatusCode));
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, callUuid))["recording"]!["status"]);
        Assert.Equal($"/v1/Account/{PlivoCallRecordingTests.AuthId}/Recording/{RecordingId}/", Assert.Single(recorded.Api.Requests, r => r.Method == "DELETE").Path);
    }

    [Fact]
    public async Task TwilioCallback_WithAPlivoCallsId_400_NothingStored()
    {
        var (recorded, callUuid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;

        using var twilio = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(callUuid));

        Assert.Equal(HttpStatusCode.BadRequest, twilio.StatusCode);
        Assert.False(await HasRecordingAsync(system, callUuid));
    }

    [Fact]
    public async Task MediaRedirect_NotFollowed_502()
    {
        var (recorded, callUuid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        recorded.Api.ForcedAnswer = (StatusCodes.Status302Found, elsewhere.Url("/internal/secrets").ToString());

        using var response = await system.Admin.GetAsync(MediaPath(callUuid), system.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(FakePlivoRestApi.ErrorDetail, await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Theory]
    [InlineData(StatusCodes.Status500InternalServerError, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status401Unauthorized, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status404NotFound, HttpStatusCode.NotFound)]
    public async Task PlivoError_ItsBodyNeverPassedOn(int plivoStatus, HttpStatusCode expected)
    {
        var (recorded, callUuid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        recorded.Api.ForcedAnswer = (plivoStatus, null);

        using var media = await system.Admin.GetAsync(MediaPath(callUuid), system.Token);
        using var delete = await system.Admin.DeleteAsync(MediaPath(callUuid), system.Token);
        var answers = await media.Content.ReadAsStringAsync(system.Token) + await delete.Content.ReadAsStringAsync(system.Token);

        Assert.Equal(expected, media.StatusCode);
        // Plivo no longer having it counts as deleted; any other refusal leaves it as it was.
        Assert.Equal(plivoStatus == StatusCodes.Status404NotFound ? HttpStatusCode.NoContent : HttpStatusCode.BadGateway, delete.StatusCode);
        Assert.DoesNotContain(FakePlivoRestApi.ErrorDetail, answers, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(FakePlivoRestApi.ErrorDetail, StringComparison.Ordinal));
        Assert.Equal(plivoStatus == StatusCodes.Status404NotFound ? "deleted" : "completed", (string?)(await CallRecordingTests.ListedAsync(system, callUuid))["recording"]!["status"]);
    }

    [Theory]
    [InlineData("c2c128e2-1c8c-11e4-9bff-1db8a9db043")]
    [InlineData("c2c128e2-1c8c-11e4-9bff-1db8a9db0432%0A")]
    [InlineData("c2c128e2-1c8c-11e4-9bff-1db8a9db0432%2F..%2F..")]
    [InlineData("c2c128e2-1c8c-11e4-9bff-1db8a9db043g")]
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
            Assert.Contains("Plivo CallUUID", (string?)error["message"], StringComparison.Ordinal);
        }

        Assert.Empty(recorded.Api.Requests);
    }

    [Fact]
    public async Task TheAuthToken_AppearsInNoLogLineOrAnswer()
    {
        var (recorded, callUuid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        var answers = new List<string>();
        recorded.Api.ForcedAnswer = (StatusCodes.Status401Unauthorized, null);
        foreach (var path in new[] { MediaPath(callUuid), MediaPath(callUuid) + "?format=mp3", MediaPath(Guid.NewGuid().ToString()), "/api/calls" })
        {
            using var response = await system.Admin.GetAsync(path, system.Token);
            answers.Add(await response.Content.ReadAsStringAsync(system.Token));
        }

        recorded.Api.ForcedAnswer = null;
        using (var media = await system.Admin.GetAsync(MediaPath(callUuid), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        }

        using var deleted = await system.Admin.DeleteAsync(MediaPath(callUuid), system.Token);
        answers.Add(await deleted.Content.ReadAsStringAsync(system.Token));

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{PlivoCallRecordingTests.AuthId}:{PlivoCallRecordingTests.AuthToken}"));
        Assert.DoesNotContain(answers, answer => answer.Contains(PlivoCallRecordingTests.AuthToken, StringComparison.Ordinal) || answer.Contains(basic, StringComparison.Ordinal));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(PlivoCallRecordingTests.AuthToken, StringComparison.Ordinal) || e.Message.Contains(basic, StringComparison.Ordinal));
    }
}
