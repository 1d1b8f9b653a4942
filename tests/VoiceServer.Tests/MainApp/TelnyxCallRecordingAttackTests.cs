using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using VoiceServer.Fakes;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse what Telnyx recordings add: the recording callback unsigned (in every spelling), wrongly signed,
/// stale, replayed, tampered, oversized, not a form, with hostile ids, counts and URLs, for a call the app did not ask
/// to record, or trying to replace or revive a recording; Telnyx's API answering with a download URL elsewhere, a
/// redirect, or an error body. None fetches, deletes or stores what it should not, no answer passes Telnyx's error
/// details on, and the API key appears in no log line or answer.
/// </summary>
public sealed class TelnyxCallRecordingAttackTests
{
    private const string RecordingId = TelnyxCallRecordingTests.RecordingId;

    /// <summary>A recorded Telnyx call, its recording held by the fake Telnyx and (with <paramref name="report"/>) reported.</summary>
    private static async Task<(TelnyxCallRecordingTests.Recorded Recorded, string CallSid, byte[] Wav)> RecordedCallAsync(bool report = true)
    {
        var recorded = await TelnyxCallRecordingTests.StartAsync();
        var (callSid, _) = await TelnyxCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(RecordingId);
        if (report)
        {
            using var reported = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, TelnyxCallRecordingTests.RecordingForm(callSid));
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        return (recorded, callSid, wav);
    }

    private static async Task<bool> HasRecordingAsync(SystemHarness system, string callSid) =>
        (await CallRecordingTests.ListedAsync(system, callSid)).ContainsKey("recording");

    private static string MediaPath(string callSid) => $"/api/calls/{Uri.EscapeDataString(callSid)}/recording";

    [Fact]
    public async Task Callback_SignedByAnotherKeyOrTampered_403_NothingStored()
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        using var stranger = new FakeTelnyxWebhook();
        var url = TelnyxCallRecordingTests.CallbackUrl(system);

        using var strangers = stranger.CreateRequest(url, TelnyxCallRecordingTests.RecordingForm(callSid));
        using var strangerResponse = await system.Anonymous.SendAsync(strangers, system.Token);
        // Signed for the form as Telnyx sent it, then the recording id changed on the way.
        using var signed = recorded.Telnyx.CreateRequest(url, TelnyxCallRecordingTests.RecordingForm(callSid));
        using var tampered = recorded.Telnyx.CreateRequest(url, TelnyxCallRecordingTests.RecordingForm(callSid, recordingId: "00000000-0000-4000-8000-000000000000"), sign: false);
        foreach (var header in new[] { "telnyx-timestamp", "telnyx-signature-ed25519" })
        {
            tampered.Headers.Add(header, signed.Headers.GetValues(header));
        }

        using var tamperedResponse = await system.Anonymous.SendAsync(tampered, system.Token);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (strangerResponse.StatusCode, tamperedResponse.StatusCode));
        Assert.Contains("invalid_signature", await tamperedResponse.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.False(await HasRecordingAsync(system, callSid));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Mismatch", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public async Task Callback_Stale_403_NothingStored(int seconds)
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;

        using var request = recorded.Telnyx.CreateRequest(TelnyxCallRecordingTests.CallbackUrl(system), TelnyxCallRecordingTests.RecordingForm(callSid), DateTimeOffset.UtcNow.AddSeconds(seconds));
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(await HasRecordingAsync(system, callSid));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "SignatureRefused" && e.Message.Contains("Stale", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_OversizedTooManyFieldsOrNotAForm_4xx()
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        var huge = TelnyxCallRecordingTests.RecordingForm(callSid);
        huge["Padding"] = new string('x', 70_000);
        var many = TelnyxCallRecordingTests.RecordingForm(callSid);
        for (var i = 0; i < 300; i++)
        {
            many[string.Create(CultureInfo.InvariantCulture, $"F{i}")] = "x";
        }

        using var tooLarge = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, huge);
        using var tooMany = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, many);
        using var json = new HttpRequestMessage(HttpMethod.Post, TelnyxCallRecordingTests.CallbackUrl(system))
        {
            Content = new StringContent($$"""{"CallSid":"{{callSid}}","RecordingSid":"{{RecordingId}}"}""", Encoding.UTF8, "application/json"),
        };
        using var jsonResponse = await system.Anonymous.SendAsync(json, system.Token);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, jsonResponse.StatusCode);
        Assert.False(await HasRecordingAsync(system, callSid));
    }

    [Theory]
    [InlineData("RecordingSid", "../../v2/calls")]
    [InlineData("RecordingSid", "https://evil.example/steal")]
    [InlineData("RecordingSid", "RE0123456789abcdef0123456789abcdef")]
    [InlineData("RecordingSid", "35094891-3290-4142-b2c2-b2eda57534cg")]
    [InlineData("RecordingSid", "35094891-3290-4142-b2c2-b2eda57534cf0")]
    [InlineData("RecordingSid", "35094891-3290-4142-b2c2-b2eda57534cf\n")]
    [InlineData("RecordingSid", "35094891-3290-4142-b2c2-b2eda57534cf/../x")]
    [InlineData("RecordingSid", "")]
    [InlineData("CallSid", "v3:../x")]
    [InlineData("CallSid", "v3:abc\n")]
    [InlineData("CallSid", "v3:abc?x=1")]
    [InlineData("CallSid", "v4:abc")]
    [InlineData("CallSid", "CA0123456789abcdef0123456789abcdef")]
    [InlineData("CallSid", "")]
    [InlineData("RecordingStatus", "hacked")]
    [InlineData("RecordingStatus", "deleted")]
    [InlineData("RecordingStatus", "requested")]
    [InlineData("RecordingDuration", "1e9")]
    [InlineData("RecordingDuration", "99999999999")]
    [InlineData("RecordingDuration", "-5")]
    [InlineData("RecordingDuration", "4.2")]
    [InlineData("RecordingChannels", "3")]
    [InlineData("RecordingChannels", "0")]
    [InlineData("RecordingChannels", "dual")]
    public async Task Callback_HostileField_400NamingIt_NothingStored(string field, string value)
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var form = TelnyxCallRecordingTests.RecordingForm(callSid);
        form[field] = value;

        using var response = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(recorded.System.Token))!["field"]);
        Assert.False(await HasRecordingAsync(recorded.System, callSid));
    }

    [Fact]
    public async Task Callback_CallSidOfAHugeLength_400()
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var form = TelnyxCallRecordingTests.RecordingForm(callSid);
        form["CallSid"] = "v3:" + new string('a', 5000);

        using var response = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(await HasRecordingAsync(recorded.System, callSid));
    }

    [Fact]
    public async Task Callback_HostileRecordingUrl_NeverFetched_TheMediaComesFromTheApiById()
    {
        var (recorded, callSid, wav) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        var form = TelnyxCallRecordingTests.RecordingForm(callSid);
        form["RecordingUrl"] = elsewhere.Url("/internal/secrets").ToString();

        using var reported = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, form);
        var media = await system.Admin.GetByteArrayAsync(MediaPath(callSid), system.Token);

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(wav, media);
        Assert.Empty(elsewhere.Requests);
        Assert.Equal($"/v2/recordings/{RecordingId}", recorded.Api.Requests[^2].Path);
        var listed = await CallRecordingTests.ListedAsync(system, callSid);
        Assert.DoesNotContain(elsewhere.BaseAddress.Authority, listed.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(recorded.Api.Origin, listed.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callback_AnotherRecordingIdForTheCall_IgnoredAndAfterDeleteNothingComesBack()
    {
        var (recorded, callSid, wav) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        const string Other = "99999999-9999-4999-8999-999999999999";
        recorded.Api.AddRecording(Other);

        using var replaced = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, TelnyxCallRecordingTests.RecordingForm(callSid, recordingId: Other));
        Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync(MediaPath(callSid), system.Token));
        using var deleted = await system.Admin.DeleteAsync(MediaPath(callSid), system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // A fresh callback for the deleted recording (another body: the first one's signature is spent).
        var late = TelnyxCallRecordingTests.RecordingForm(callSid);
        late["RecordingDuration"] = "43";
        using var revived = await TelnyxCallRecordingTests.PostRecordingStatusAsync(recorded, late);
        using var media = await system.Admin.GetAsync(MediaPath(callSid), system.Token);
        using var deletedAgain = await system.Admin.DeleteAsync(MediaPath(callSid), system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (revived.StatusCode, media.StatusCode, deletedAgain.StatusCode));
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, callSid))["recording"]!["status"]);
        Assert.Equal($"/v2/recordings/{RecordingId}", Assert.Single(recorded.Api.Requests, r => r.Method == "DELETE").Path);
    }

    [Fact]
    public async Task TwilioCallback_WithATelnyxCallsId_400_NothingStored()
    {
        var (recorded, callSid, _) = await RecordedCallAsync(report: false);
        await using var _ = recorded;
        var system = recorded.System;

        // Twilio's callback with the Telnyx call's id: not a Twilio CallSid (Telnyx's with a Twilio CallSid is a hostile field above).
        using var twilio = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(callSid));

        Assert.Equal(HttpStatusCode.BadRequest, twilio.StatusCode);
        Assert.False(await HasRecordingAsync(system, callSid));
    }

    [Fact]
    public async Task DownloadUrlOnAnotherOrigin_502_NeverFetched()
    {
        var (recorded, callSid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        var failures = new List<string>();
        var origin = new Uri(recorded.Api.Origin);
        foreach (var url in new[]
        {
            elsewhere.Url($"/telephony-recorder-prod/{RecordingId}.wav").ToString(),
            // The allowed origin as a user name, the receiver as the host.
            $"http://{origin.Authority}@{elsewhere.BaseAddress.Authority}/x.wav",
            // The allowed host on another port, and another scheme.
            $"http://{origin.Host}:{elsewhere.BaseAddress.Port}/x.wav",
            $"https://{origin.Authority}/x.wav",
            "file:///etc/passwd",
        })
        {
            recorded.Api.DownloadUrl = url;
            using var response = await system.Admin.GetAsync(MediaPath(callSid), system.Token);
            var text = await response.Content.ReadAsStringAsync(system.Token);
            if (response.StatusCode != HttpStatusCode.BadGateway || !text.Contains("telnyx_refused", StringComparison.Ordinal) || text.Contains("X-Amz", StringComparison.Ordinal))
            {
                failures.Add($"{url}: {(int)response.StatusCode} {text}");
            }
        }

        Assert.Empty(failures);
        Assert.Empty(elsewhere.Requests);
        Assert.DoesNotContain(recorded.Api.Requests, r => r.Path.StartsWith(FakeTelnyxRestApi.StoragePath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StorageRedirect_NotFollowed_502()
    {
        var (recorded, callSid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        recorded.Api.StorageAnswer = (StatusCodes.Status302Found, elsewhere.Url("/internal/secrets").ToString());

        using var response = await system.Admin.GetAsync(MediaPath(callSid), system.Token);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(FakeTelnyxRestApi.ErrorDetail, await response.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Theory]
    [InlineData(StatusCodes.Status500InternalServerError, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status403Forbidden, HttpStatusCode.BadGateway)]
    [InlineData(StatusCodes.Status404NotFound, HttpStatusCode.NotFound)]
    public async Task ApiError_ItsBodyNeverPassedOn(int apiStatus, HttpStatusCode expected)
    {
        var (recorded, callSid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        recorded.Api.ApiStatus = apiStatus;

        using var media = await system.Admin.GetAsync(MediaPath(callSid), system.Token);
        using var delete = await system.Admin.DeleteAsync(MediaPath(callSid), system.Token);
        var answers = await media.Content.ReadAsStringAsync(system.Token) + await delete.Content.ReadAsStringAsync(system.Token);

        Assert.Equal(expected, media.StatusCode);
        // Telnyx no longer having it counts as deleted; any other refusal leaves it as it was.
        Assert.Equal(apiStatus == StatusCodes.Status404NotFound ? HttpStatusCode.NoContent : HttpStatusCode.BadGateway, delete.StatusCode);
        Assert.DoesNotContain(FakeTelnyxRestApi.ErrorDetail, answers, StringComparison.Ordinal);
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(FakeTelnyxRestApi.ErrorDetail, StringComparison.Ordinal));
        Assert.Equal(apiStatus == StatusCodes.Status404NotFound ? "deleted" : "completed", (string?)(await CallRecordingTests.ListedAsync(system, callSid))["recording"]!["status"]);
    }

    [Theory]
    [InlineData("v3:")]
    [InlineData("v3:abc%2F..%2F..")]
    [InlineData("v3:abc%0A")]
    [InlineData("v9:abc")]
    public async Task HostileAdminCallSid_400NamingIt_NothingFetched(string callSid)
    {
        var (recorded, _, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;

        foreach (var method in new[] { "GET", "DELETE" })
        {
            using var response = await AdminApiAuthenticationTests.SendRawAsync(system, method, $"/api/calls/{callSid}/recording", body: null, SystemHarness.AdminKey);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("callSid", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(system.Token))!["field"]);
        }

        Assert.DoesNotContain(recorded.Api.Requests, r => r.Method == "DELETE" || r.Path.StartsWith(FakeTelnyxRestApi.StoragePath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheApiKey_AppearsInNoLogLineOrAnswer()
    {
        var (recorded, callSid, _) = await RecordedCallAsync();
        await using var _ = recorded;
        var system = recorded.System;
        var answers = new List<string>();
        recorded.Api.ApiStatus = StatusCodes.Status401Unauthorized;
        foreach (var path in new[] { MediaPath(callSid), MediaPath(callSid) + "?format=mp3", MediaPath(FakeTelnyxWebhook.NewCallSid()), "/api/calls" })
        {
            using var response = await system.Admin.GetAsync(path, system.Token);
            answers.Add(await response.Content.ReadAsStringAsync(system.Token));
        }

        recorded.Api.ApiStatus = null;
        using (var media = await system.Admin.GetAsync(MediaPath(callSid), system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        }

        using var deleted = await system.Admin.DeleteAsync(MediaPath(callSid), system.Token);
        answers.Add(await deleted.Content.ReadAsStringAsync(system.Token));

        Assert.DoesNotContain(answers, answer => answer.Contains(TelnyxCallRecordingTests.ApiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(TelnyxCallRecordingTests.ApiKey, StringComparison.Ordinal));
    }
}
