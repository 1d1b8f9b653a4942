using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Recorded calls end to end, on both databases: an agent that records asks Twilio to (REST parameters for a call the
/// app places, <c>&lt;Start&gt;&lt;Recording&gt;</c> for an inbound one), the call runs through the real voice server,
/// Twilio's signed recording callback arrives before or after the voice server's record, and either way the listed
/// record carries the recording; its media comes through the main app from a fake Twilio REST API on a real socket,
/// byte for byte and as it arrives, and a delete reaches Twilio.
/// </summary>
public sealed class CallRecordingTests
{
    internal const string RecordingSid = "RE0123456789abcdef0123456789abcdef";

    internal static async Task<(SystemHarness System, FakeTwilioRestApi Twilio)> StartAsync(string backend = "sqlite", bool record = true, Dictionary<string, string?>? extra = null)
    {
        var twilio = await FakeTwilioRestApi.StartAsync(OutboundCallTests.AccountSid, SystemHarness.AuthToken);
        var settings = new Dictionary<string, string?> { ["TWILIO_ACCOUNT_SID"] = OutboundCallTests.AccountSid, ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString() };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var system = await SystemHarness.StartAsync(backend, settings);
        await system.CreateAgentAsync("bakery", OutboundCallTests.AgentNumber, new JsonObject
        {
            ["name"] = "Rosa's Bakery",
            ["prompt"] = "You take cake orders.",
            ["openAIKey"] = "sk-agent-own-key-0123456789",
            ["record"] = record,
        });
        return (system, twilio);
    }

    /// <summary>Twilio's recording status callback, with the fields its reference lists.</summary>
    internal static Dictionary<string, string> RecordingForm(string callSid, string recordingSid = RecordingSid, string status = "completed", string accountSid = OutboundCallTests.AccountSid) => new()
    {
        ["AccountSid"] = accountSid,
        ["CallSid"] = callSid,
        ["RecordingSid"] = recordingSid,
        ["RecordingUrl"] = $"https://api.twilio.com/2010-04-01/Accounts/{accountSid}/Recordings/{recordingSid}",
        ["RecordingStatus"] = status,
        ["RecordingDuration"] = "42",
        ["RecordingChannels"] = "2",
        ["RecordingStartTime"] = "Mon, 07 Dec 2026 09:00:00 +0000",
        ["RecordingSource"] = "OutboundAPI",
        ["RecordingTrack"] = "both",
    };

    internal static Task<HttpResponseMessage> PostRecordingStatusAsync(SystemHarness system, Dictionary<string, string> form, string? authToken = SystemHarness.AuthToken) =>
        OutboundCallTests.PostSignedAsync(system, "/api/twilio/recording-status", form, authToken);

    /// <summary>The single listed record of <paramref name="callSid"/>.</summary>
    internal static async Task<JsonObject> ListedAsync(SystemHarness system, string callSid)
    {
        var calls = await system.Admin.GetFromJsonAsync<JsonArray>("/api/calls", system.Token);
        return Assert.Single(calls!, call => (string?)call!["callSid"] == callSid)!.AsObject();
    }

    /// <summary>A call record for <paramref name="callSid"/>, delivered as the voice server delivers it.</summary>
    internal static async Task StoreRecordAsync(SystemHarness system, string callSid, string callId)
    {
        var record = SystemHarness.CallRecord(callId);
        record["callSid"] = callSid;
        using var stored = await system.PostCallRecordAsync(record.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    /// <summary>A call through the real voice server, from the TwiML to the stored record.</summary>
    private static async Task RunCallAsync(SystemHarness system, TwimlAnswer twiml, string callSid)
    {
        await using var caller = await FakeTwilioCaller.ConnectAsync(twiml.StreamUrl!, new FakeTwilioCallerOptions { CallSid = callSid, MarkMode = MarkMode.Immediate }, system.Token);
        await caller.SendConnectedAsync(system.Token);
        await caller.SendStartAsync(twiml.Parameters, cancellationToken: system.Token);
        var model = await system.Voice.Realtime.WaitForConnectionAsync(0, system.Token);
        await model.WaitForEventAsync("session.update", system.Token);
        await caller.SendStopAsync(system.Token);
        await system.Logs.WaitForAsync(e => e.EventName == "Stored", system.Token);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task OutboundRecordedCall_CallbackBeforeTheRecord_RecordCarriesTheRecording_ProxiedThenDeleted(string backend)
    {
        var (system, twilio) = await StartAsync(backend);
        await using var _ = system;
        await using var __ = twilio;

        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = OutboundCallTests.Callee }, system.Token);

        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var request = Assert.Single(twilio.Requests);
        var asked = FakeTwilioRestApi.Form(request.Body);
        Assert.Equal("true", asked["Record"].ToString(), ignoreCase: true);
        Assert.Equal(("dual", "both"), (asked["RecordingChannels"].ToString(), asked["RecordingTrack"].ToString()));
        Assert.Equal(new Uri(system.BaseAddress, "/api/twilio/recording-status").ToString(), asked["RecordingStatusCallback"].ToString());
        Assert.Equal("POST", asked["RecordingStatusCallbackMethod"].ToString());
        Assert.Equal(["absent", "completed"], asked["RecordingStatusCallbackEvent"].SelectMany(v => v!.Split(' ')).Order(StringComparer.Ordinal));

        // The callee answers: the TwiML starts no second recording, the REST request already asked for one.
        var twiml = await FakeTwilioWebhook.PostAsync(new Uri(asked["Url"].ToString()), SystemHarness.AuthToken, new Dictionary<string, string>
        {
            ["AccountSid"] = OutboundCallTests.AccountSid,
            ["CallSid"] = OutboundCallTests.PlacedSid,
            ["From"] = OutboundCallTests.AgentNumber,
            ["To"] = OutboundCallTests.Callee,
            ["CallStatus"] = "in-progress",
            ["Direction"] = "outbound-api",
        }, system.Token);
        Assert.DoesNotContain("<Start>", twiml.Body, StringComparison.Ordinal);
        var (wav, _) = twilio.AddRecording(RecordingSid);
        using (var reported = await PostRecordingStatusAsync(system, RecordingForm(OutboundCallTests.PlacedSid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        await RunCallAsync(system, twiml, OutboundCallTests.PlacedSid);

        var listed = await ListedAsync(system, OutboundCallTests.PlacedSid);
        var mediaUrl = new Uri(system.BaseAddress, $"/api/calls/{OutboundCallTests.PlacedSid}/recording");
        Assert.Equal("outbound", (string?)listed["direction"]);
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["sid"] = RecordingSid, ["durationSeconds"] = 42, ["channels"] = 2, ["status"] = "completed", ["url"] = mediaUrl.ToString() },
            listed["recording"]), listed["recording"]?.ToJsonString());

        var media = await system.Admin.GetByteArrayAsync(mediaUrl, system.Token);
        Assert.Equal(wav, media);
        var fetched = twilio.Requests[^1];
        Assert.Equal(("GET", $"/2010-04-01/Accounts/{OutboundCallTests.AccountSid}/Recordings/{RecordingSid}.wav"), (fetched.Method, fetched.Path));

        using var deleted = await system.Admin.DeleteAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var deleting = twilio.Requests[^1];
        Assert.Equal(("DELETE", $"/2010-04-01/Accounts/{OutboundCallTests.AccountSid}/Recordings/{RecordingSid}.json"), (deleting.Method, deleting.Path));
        using var gone = await system.Admin.GetAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var afterDelete = await ListedAsync(system, OutboundCallTests.PlacedSid);
        Assert.Equal(("deleted", null), ((string?)afterDelete["recording"]!["status"], afterDelete["recording"]!["url"]));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(SystemHarness.AuthToken, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task InboundRecordedCall_StartRecordingBeforeConnect_CallbackAfterTheRecord_Mp3StreamedAsItArrives(string backend)
    {
        var (system, twilio) = await StartAsync(backend);
        await using var _ = system;
        await using var __ = twilio;
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(OutboundCallTests.AgentNumber, callSid);

        // Twilio starts recording both tracks on two channels, then connects the stream.
        var verbs = XDocument.Parse(twiml.Body).Root!.Elements().ToList();
        Assert.Equal(["Start", "Connect"], verbs.Select(v => v.Name.LocalName));
        var recording = Assert.Single(verbs[0].Elements());
        Assert.Equal("Recording", recording.Name.LocalName);
        Assert.Equal(
            ("dual", "both", new Uri(system.BaseAddress, "/api/twilio/recording-status").ToString(), "POST", "completed absent"),
            ((string?)recording.Attribute("channels"), (string?)recording.Attribute("track"), (string?)recording.Attribute("recordingStatusCallback"),
             (string?)recording.Attribute("recordingStatusCallbackMethod"), (string?)recording.Attribute("recordingStatusCallbackEvent")));
        await RunCallAsync(system, twiml, callSid);
        Assert.False((await ListedAsync(system, callSid)).ContainsKey("recording"));

        var (_, mp3) = twilio.AddRecording(RecordingSid);
        using (var reported = await PostRecordingStatusAsync(system, RecordingForm(callSid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        var listed = await ListedAsync(system, callSid);
        Assert.Equal(("inbound", RecordingSid, "completed"), ((string?)listed["direction"], (string?)listed["recording"]!["sid"], (string?)listed["recording"]!["status"]));
        // The first bytes reach the admin while Twilio still holds the rest: the media is streamed, not buffered whole.
        twilio.HoldMediaAfter(1000);
        using var response = await system.Admin.GetAsync(new Uri((string)listed["recording"]!["url"]! + "?format=mp3"), HttpCompletionOption.ResponseHeadersRead, system.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("audio/mpeg", mp3.Length), (response.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentLength));
        await using var body = await response.Content.ReadAsStreamAsync(system.Token);
        var received = new byte[mp3.Length];
        await body.ReadExactlyAsync(received.AsMemory(0, 1000), system.Token);
        twilio.ReleaseMedia();
        await body.ReadExactlyAsync(received.AsMemory(1000), system.Token);
        Assert.Equal(mp3, received);
        Assert.Equal($"/2010-04-01/Accounts/{OutboundCallTests.AccountSid}/Recordings/{RecordingSid}.mp3", twilio.Requests[^1].Path);
    }

    [Fact]
    public async Task AgentThatDoesNotRecord_TwilioIsNotAsked_AndACallbackForItsCallIsIgnored()
    {
        var (system, twilio) = await StartAsync(record: false);
        await using var _ = system;
        await using var __ = twilio;
        var callSid = TwilioIds.NewCallSid();

        var twiml = await system.CallAsync(OutboundCallTests.AgentNumber, callSid);
        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = OutboundCallTests.Callee }, system.Token);

        Assert.DoesNotContain("<Start>", twiml.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        Assert.DoesNotContain(FakeTwilioRestApi.Form(Assert.Single(twilio.Requests).Body).Keys, key => key.StartsWith("Record", StringComparison.Ordinal));
        using var reported = await PostRecordingStatusAsync(system, RecordingForm(callSid));
        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        await StoreRecordAsync(system, callSid, "c-unrecorded");
        Assert.False((await ListedAsync(system, callSid)).ContainsKey("recording"));
    }

    [Fact]
    public async Task AbsentRecording_ListedWithoutAUrl_NoMedia()
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;
        var callSid = TwilioIds.NewCallSid();
        await system.CallAsync(OutboundCallTests.AgentNumber, callSid);
        await StoreRecordAsync(system, callSid, "c-absent");

        using var reported = await PostRecordingStatusAsync(system, RecordingForm(callSid, status: "absent"));

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        var recording = (await ListedAsync(system, callSid))["recording"]!.AsObject();
        Assert.Equal(("absent", false), ((string?)recording["status"], recording.ContainsKey("url")));
        using var media = await system.Admin.GetAsync($"/api/calls/{callSid}/recording", system.Token);
        Assert.Equal(HttpStatusCode.NotFound, media.StatusCode);
        Assert.DoesNotContain(twilio.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task RecordSetting_Shown_KeptWhenOmitted_OnlyABoolean()
    {
        var (system, twilio) = await StartAsync();
        await using var _ = system;
        await using var __ = twilio;

        var shown = await system.Admin.GetFromJsonAsync<JsonObject>("/api/agents/bakery", system.Token);
        using var renamed = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed" }, system.Token);
        var kept = await renamed.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        using var notABoolean = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed", ["record"] = "yes" }, system.Token);
        using var off = await system.Admin.PutAsJsonAsync("/api/agents/bakery", new JsonObject { ["name"] = "Renamed", ["record"] = false }, system.Token);

        Assert.Equal((true, true), ((bool?)shown!["record"], (bool?)kept!["record"]));
        Assert.Equal(HttpStatusCode.BadRequest, notABoolean.StatusCode);
        Assert.False((bool?)(await off.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["record"]);
        var created = await system.Admin.PutAsJsonAsync("/api/agents/plain", new JsonObject { ["name"] = "Plain" }, system.Token);
        Assert.False((bool?)(await created.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["record"]);
        created.Dispose();
    }
}
