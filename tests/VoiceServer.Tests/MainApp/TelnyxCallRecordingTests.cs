using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Recorded Telnyx calls end to end, on both databases: an agent that records gets Telnyx's
/// <c>&lt;Start&gt;&lt;Recording&gt;</c> before the stream in its TeXML, Telnyx's signed recording callback is stored with
/// the call and listed as Twilio's is, the media comes through the main app from a fake Telnyx API on a real socket
/// (the details with the API key, then the pre-signed file without it), byte for byte and as it arrives, and a delete
/// reaches Telnyx.
/// </summary>
public sealed class TelnyxCallRecordingTests
{
    internal const string Number = "+15557002000";
    internal const string ApiKey = "KEY0123456789ABCDEF_telnyx-api-key-for-tests";
    internal const string RecordingId = "35094891-3290-4142-b2c2-b2eda57534cf";

    internal static async Task<Recorded> StartAsync(string backend = "sqlite", bool record = true, Dictionary<string, string?>? extra = null)
    {
        var telnyx = new FakeTelnyxWebhook();
        var api = await FakeTelnyxRestApi.StartAsync(ApiKey);
        var settings = new Dictionary<string, string?>
        {
            ["TELNYX_API_KEY"] = ApiKey,
            ["TELNYX_API_BASE_URL"] = api.ApiBaseUrl.ToString(),
            ["TELNYX_RECORDING_ORIGINS"] = api.Origin,
        };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var system = await TelnyxVoiceWebhookTests.StartAsync(telnyx, backend, settings);
        var agent = TelnyxVoiceWebhookTests.Agent();
        agent["record"] = record;
        await system.CreateAgentAsync("bakery", Number, agent, provider: "telnyx");
        return new Recorded(system, telnyx, api);
    }

    /// <summary>Telnyx's TeXML recording callback, with the fields its reference lists.</summary>
    internal static Dictionary<string, string> RecordingForm(string callSid, string recordingId = RecordingId, string status = "completed") => new()
    {
        ["AccountSid"] = "f5586561-8ff0-4291-a51b-c7dfe4139ff9",
        ["CallSid"] = callSid,
        ["CallSidLegacy"] = callSid,
        ["ConnectionId"] = "1234567890",
        ["RecordingChannels"] = "2",
        ["RecordingDuration"] = "42",
        ["RecordingSid"] = recordingId,
        ["RecordingSource"] = "StartCallRecordingAPI",
        ["RecordingStatus"] = status,
        ["RecordingUrl"] = $"https://s3.amazonaws.com/telephony-recorder-prod/{recordingId}.wav",
    };

    internal static Uri CallbackUrl(SystemHarness system) => new(system.BaseAddress, "/api/telnyx/recording-status");

    internal static async Task<HttpResponseMessage> PostRecordingStatusAsync(Recorded recorded, Dictionary<string, string> form)
    {
        using var request = recorded.Telnyx.CreateRequest(CallbackUrl(recorded.System), form);
        return await recorded.System.Anonymous.SendAsync(request, recorded.System.Token);
    }

    /// <summary>A call answered by the TeXML webhook and its record stored, as the voice server stores it.</summary>
    internal static async Task<(string CallSid, TexmlAnswer Texml)> CallAsync(Recorded recorded, string callId = "c-telnyx")
    {
        var callSid = FakeTelnyxWebhook.NewCallSid();
        var texml = await recorded.Telnyx.PostAsync(TelnyxVoiceWebhookTests.WebhookUrl(recorded.System), FakeTelnyxWebhook.IncomingCall(Number, callSid), recorded.System.Token);
        Assert.NotNull(texml.StreamUrl);
        await CallRecordingTests.StoreRecordAsync(recorded.System, callSid, callId);
        return (callSid, texml);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task RecordedCall_StartRecordingBeforeConnect_CallbackListed_WavStreamedAsItArrives_ThenDeleted(string backend)
    {
        await using var recorded = await StartAsync(backend);
        var (system, _, api) = recorded;
        var (callSid, texml) = await CallAsync(recorded);

        // Telnyx starts recording both tracks on two channels, then connects the stream.
        var verbs = XDocument.Parse(texml.Body).Root!.Elements().ToList();
        Assert.Equal(["Start", "Connect", "Say"], verbs.Select(v => v.Name.LocalName));
        var recording = Assert.Single(verbs[0].Elements());
        Assert.Equal("Recording", recording.Name.LocalName);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["channels"] = "dual",
                ["track"] = "both",
                ["format"] = "wav",
                ["recordingStatusCallback"] = CallbackUrl(system).ToString(),
                ["recordingStatusCallbackMethod"] = "POST",
                ["recordingStatusCallbackEvent"] = "completed absent",
            },
            recording.Attributes().ToDictionary(a => a.Name.LocalName, a => a.Value));
        Assert.False((await CallRecordingTests.ListedAsync(system, callSid)).ContainsKey("recording"));

        var (wav, _) = api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(recorded, RecordingForm(callSid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        var listed = await CallRecordingTests.ListedAsync(system, callSid);
        // The listed URL escapes the id's colon; it is this app's own URL, never Telnyx's.
        var mediaUrl = new Uri(system.BaseAddress, $"/api/calls/{Uri.EscapeDataString(callSid)}/recording");
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["sid"] = RecordingId, ["durationSeconds"] = 42, ["channels"] = 2, ["status"] = "completed", ["url"] = mediaUrl.ToString() },
            listed["recording"]), listed["recording"]?.ToJsonString());

        // The first bytes reach the admin while the storage still holds the rest: the media is streamed, not buffered whole.
        api.HoldMediaAfter(1000);
        using (var response = await system.Admin.GetAsync(mediaUrl, HttpCompletionOption.ResponseHeadersRead, system.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(("audio/x-wav", wav.Length), (response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentLength));
            await using var body = await response.Content.ReadAsStreamAsync(system.Token);
            var received = new byte[wav.Length];
            await body.ReadExactlyAsync(received.AsMemory(0, 1000), system.Token);
            api.ReleaseMedia();
            await body.ReadExactlyAsync(received.AsMemory(1000), system.Token);
            Assert.Equal(wav, received);
        }

        // The details with the key, then the pre-signed file without it.
        var (details, file) = (api.Requests[^2], api.Requests[^1]);
        Assert.Equal(("GET", $"/v2/recordings/{RecordingId}", "Bearer " + ApiKey), (details.Method, details.Path, details.Headers.GetValueOrDefault("Authorization")));
        Assert.Equal(("GET", $"{FakeTelnyxRestApi.StoragePath}{RecordingId}.wav"), (file.Method, file.Path));
        Assert.Contains("X-Amz-Signature", file.Query, StringComparison.Ordinal);
        Assert.False(file.Headers.ContainsKey("Authorization"));

        using var deleted = await system.Admin.DeleteAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var deleting = api.Requests[^1];
        Assert.Equal(("DELETE", $"/v2/recordings/{RecordingId}", "Bearer " + ApiKey), (deleting.Method, deleting.Path, deleting.Headers.GetValueOrDefault("Authorization")));
        using var gone = await system.Admin.GetAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var afterDelete = await CallRecordingTests.ListedAsync(system, callSid);
        Assert.Equal(("deleted", null), ((string?)afterDelete["recording"]!["status"], afterDelete["recording"]!["url"]));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mp3_TheDetailsMp3Url()
    {
        await using var recorded = await StartAsync();
        var (system, _, api) = recorded;
        var (callSid, _) = await CallAsync(recorded);
        var (_, mp3) = api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(recorded, RecordingForm(callSid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var response = await system.Admin.GetAsync($"/api/calls/{callSid}/recording?format=mp3", system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(mp3, await response.Content.ReadAsByteArrayAsync(system.Token));
        Assert.Equal($"{FakeTelnyxRestApi.StoragePath}{RecordingId}.mp3", api.Requests[^1].Path);
    }

    [Fact]
    public async Task AbsentRecording_ListedWithoutAUrl_NoMedia()
    {
        await using var recorded = await StartAsync();
        var (system, _, api) = recorded;
        var (callSid, _) = await CallAsync(recorded);
        var form = RecordingForm(callSid, status: "absent");
        form.Remove("RecordingDuration");
        form.Remove("RecordingUrl");

        using var reported = await PostRecordingStatusAsync(recorded, form);

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        var recording = (await CallRecordingTests.ListedAsync(system, callSid))["recording"]!.AsObject();
        Assert.Equal(("absent", false), ((string?)recording["status"], recording.ContainsKey("url")));
        using var media = await system.Admin.GetAsync($"/api/calls/{callSid}/recording", system.Token);
        Assert.Equal(HttpStatusCode.NotFound, media.StatusCode);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task WithoutTelnyxApiKey_409NamingIt_NothingFetched_TwilioRecordingsUnaffected()
    {
        await using var recorded = await StartAsync(extra: new() { ["TELNYX_API_KEY"] = null });
        var (system, _, api) = recorded;
        var (callSid, _) = await CallAsync(recorded);
        api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(recorded, RecordingForm(callSid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var get = await system.Admin.GetAsync($"/api/calls/{callSid}/recording", system.Token);
        using var delete = await system.Admin.DeleteAsync($"/api/calls/{callSid}/recording", system.Token);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (get.StatusCode, delete.StatusCode));
        var error = await get.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("recordings_unavailable", (string?)error!["error"]);
        Assert.Contains("TELNYX_API_KEY", (string?)error["message"], StringComparison.Ordinal);
        Assert.Empty(api.Requests);
        Assert.Equal("completed", (string?)(await CallRecordingTests.ListedAsync(system, callSid))["recording"]!["status"]);
    }

    internal sealed record Recorded(SystemHarness System, FakeTelnyxWebhook Telnyx, FakeTelnyxRestApi Api) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await System.DisposeAsync();
            await Api.DisposeAsync();
            Telnyx.Dispose();
        }
    }
}
