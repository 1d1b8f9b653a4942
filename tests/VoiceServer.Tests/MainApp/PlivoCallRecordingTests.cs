using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Recordings;
using VoiceServer.PlivoEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Recorded Plivo calls end to end, on both databases: an agent that records gets Plivo's
/// <c>&lt;Record recordSession="true"&gt;</c> before the <c>&lt;Stream&gt;</c> in its answer, Plivo's signed recording
/// callback is stored with the call and listed as Twilio's is, the media comes through the main app from a fake Plivo on
/// a real socket (built from the stored id, HTTP Basic with the Auth ID and token), byte for byte and as it arrives, and
/// a delete reaches Plivo's API.
/// </summary>
public sealed class PlivoCallRecordingTests
{
    internal const string Number = "+15557004000";
    internal const string AuthId = "MA2025RK4E639VJFZAGV";
    internal const string AuthToken = PlivoVoiceWebhookTests.AuthToken;
    internal const string RecordingId = "c2186400-1c8c-11e4-a664-0026b945b52a";

    internal static async Task<Recorded> StartAsync(string backend = "sqlite", bool record = true, Dictionary<string, string?>? extra = null)
    {
        var api = await FakePlivoRestApi.StartAsync(AuthId, AuthToken);
        var settings = new Dictionary<string, string?>
        {
            ["PLIVO_AUTH_ID"] = AuthId,
            ["PLIVO_API_BASE_URL"] = api.ApiBaseUrl.ToString(),
            ["PLIVO_MEDIA_BASE_URL"] = api.MediaBaseUrl.ToString(),
        };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var system = await PlivoVoiceWebhookTests.StartAsync(backend, settings);
        var agent = TelnyxVoiceWebhookTests.Agent();
        agent["record"] = record;
        await system.CreateAgentAsync("bakery", Number, agent, provider: "plivo");
        return new Recorded(system, api);
    }

    /// <summary>Plivo's <c>&lt;Record&gt;</c> callback for a session recording, with the fields its reference lists.</summary>
    internal static Dictionary<string, string> RecordingForm(string callUuid, string recordingId = RecordingId) => new()
    {
        ["CallUUID"] = callUuid,
        ["RecordUrl"] = $"https://media.plivo.com/v1/Account/{AuthId}/Recording/{recordingId}.wav",
        ["RecordingDuration"] = "42",
        ["RecordingDurationMs"] = "42100",
        ["RecordingEndMs"] = "1765098042100",
        ["RecordingID"] = recordingId,
        ["RecordingStartMs"] = "1765098000000",
    };

    internal static Uri CallbackUrl(SystemHarness system) => new(system.BaseAddress, "/api/plivo/recording-status");

    internal static async Task<HttpResponseMessage> PostRecordingStatusAsync(SystemHarness system, Dictionary<string, string> form, string? authToken = AuthToken)
    {
        using var request = FakePlivoWebhook.CreateRequest(CallbackUrl(system), form, authToken);
        return await system.Anonymous.SendAsync(request, system.Token);
    }

    /// <summary>A call answered by the answer URL and its record stored, as the voice server stores it.</summary>
    internal static async Task<(string CallUuid, PlivoXmlAnswer Xml)> CallAsync(Recorded recorded, string callId = "c-plivo")
    {
        var system = recorded.System;
        var callUuid = Guid.NewGuid().ToString();
        var xml = await FakePlivoWebhook.PostAsync(PlivoVoiceWebhookTests.AnswerUrl(system), FakePlivoWebhook.IncomingCall(Number, callUuid), AuthToken, system.Token);
        Assert.NotNull(xml.StreamUrl);
        await CallRecordingTests.StoreRecordAsync(system, callUuid, callId);
        return (callUuid, xml);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task RecordedCall_RecordBeforeStream_CallbackListed_WavStreamedAsItArrives_ThenDeleted(string backend)
    {
        await using var recorded = await StartAsync(backend);
        var (system, api) = recorded;
        var (callUuid, xml) = await CallAsync(recorded);

        // Plivo records the whole call in the background, both parties on two channels, then streams.
        var elements = XDocument.Parse(xml.Body).Root!.Elements().ToList();
        Assert.Equal(["Record", "Stream", "Speak"], elements.Select(e => e.Name.LocalName));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["recordSession"] = "true",
                ["redirect"] = "false",
                ["fileFormat"] = "wav",
                ["recordChannelType"] = "stereo",
                ["maxLength"] = "14400",
                ["callbackUrl"] = CallbackUrl(system).ToString(),
                ["callbackMethod"] = "POST",
            },
            elements[0].Attributes().ToDictionary(a => a.Name.LocalName, a => a.Value));
        Assert.False((await CallRecordingTests.ListedAsync(system, callUuid)).ContainsKey("recording"));

        var (wav, _) = api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(system, RecordingForm(callUuid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        var listed = await CallRecordingTests.ListedAsync(system, callUuid);
        var mediaUrl = new Uri(system.BaseAddress, $"/api/calls/{callUuid}/recording");
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["sid"] = RecordingId, ["durationSeconds"] = 42, ["channels"] = 2, ["status"] = "completed", ["url"] = mediaUrl.ToString() },
            listed["recording"]), listed["recording"]?.ToJsonString());

        // The first bytes reach the admin while Plivo still holds the rest: the media is streamed, not buffered whole.
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

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AuthId}:{AuthToken}"));
        var file = Assert.Single(api.Requests);
        Assert.Equal(("GET", $"/media/v1/Account/{AuthId}/Recording/{RecordingId}.wav", basic), (file.Method, file.Path, file.Headers.GetValueOrDefault("Authorization")));

        using var deleted = await system.Admin.DeleteAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var deleting = api.Requests[^1];
        Assert.Equal(("DELETE", $"/v1/Account/{AuthId}/Recording/{RecordingId}/", basic), (deleting.Method, deleting.Path, deleting.Headers.GetValueOrDefault("Authorization")));
        using var gone = await system.Admin.GetAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var afterDelete = await CallRecordingTests.ListedAsync(system, callUuid);
        Assert.Equal(("deleted", null), ((string?)afterDelete["recording"]!["status"], afterDelete["recording"]!["url"]));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(AuthToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mp3_TheMp3File()
    {
        await using var recorded = await StartAsync();
        var (system, api) = recorded;
        var (callUuid, _) = await CallAsync(recorded);
        var (_, mp3) = api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(system, RecordingForm(callUuid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var response = await system.Admin.GetAsync($"/api/calls/{callUuid}/recording?format=mp3", system.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(mp3, await response.Content.ReadAsByteArrayAsync(system.Token));
        Assert.Equal($"/media/v1/Account/{AuthId}/Recording/{RecordingId}.mp3", api.Requests[^1].Path);
    }

    [Fact]
    public async Task DurationInMillisecondsOnly_RoundedToSeconds()
    {
        await using var recorded = await StartAsync();
        var (system, _) = recorded;
        var (callUuid, _) = await CallAsync(recorded);
        var form = RecordingForm(callUuid);
        form.Remove("RecordingDuration");
        form["RecordingDurationMs"] = "345600.00000";

        using var reported = await PostRecordingStatusAsync(system, form);

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(346, (int?)(await CallRecordingTests.ListedAsync(system, callUuid))["recording"]!["durationSeconds"]);
    }

    [Fact]
    public async Task WithoutPlivoAuthId_409NamingIt_NothingFetched()
    {
        await using var recorded = await StartAsync(extra: new() { ["PLIVO_AUTH_ID"] = null });
        var (system, api) = recorded;
        var (callUuid, _) = await CallAsync(recorded);
        api.AddRecording(RecordingId);
        using (var reported = await PostRecordingStatusAsync(system, RecordingForm(callUuid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var get = await system.Admin.GetAsync($"/api/calls/{callUuid}/recording", system.Token);
        using var delete = await system.Admin.DeleteAsync($"/api/calls/{callUuid}/recording", system.Token);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (get.StatusCode, delete.StatusCode));
        var error = await get.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("recordings_unavailable", (string?)error!["error"]);
        Assert.Contains("PLIVO_AUTH_ID", (string?)error["message"], StringComparison.Ordinal);
        Assert.Empty(api.Requests);
        Assert.Equal("completed", (string?)(await CallRecordingTests.ListedAsync(system, callUuid))["recording"]!["status"]);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Migration0011_KeepsEveryEarlierRecording_AndAllowsPlivosOnly(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        const string Insert = "INSERT INTO call_recordings (call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider) VALUES ";
        await system.ExecuteSqlAsync(Insert + "('CA01', 'bakery', 'RE01', 'completed', 42, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'twilio'), ('v3:x', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'telnyx')");
        // Applied again, as on a database that had only 0010: the rows stay as they were (0012 after it, as then).
        await system.ExecuteSqlAsync("DROP INDEX IF EXISTS call_recordings_conversation");
        if (backend == "postgres")
        {
            await system.ExecuteSqlAsync("ALTER TABLE call_recordings DROP COLUMN conversation_id, DROP COLUMN media_url");
        }

        await system.ExecuteSqlAsync("DELETE FROM schema_migrations WHERE name LIKE '0011%' OR name LIKE '0012%'");
        await system.Database.MigrateAsync(system.Token);

        var kept = await system.Recordings.ForCallsAsync(["CA01", "v3:x"], system.Token);
        Assert.Equal(
            [new CallRecording("CA01", "bakery", "RE01", "completed", 42, 2, PhoneProvider.Twilio), new CallRecording("v3:x", "bakery", null, "requested", null, null, PhoneProvider.Telnyx)],
            kept.Values.OrderBy(r => r.CallSid, StringComparer.Ordinal));
        Assert.Equal(1, await system.ExecuteSqlAsync(Insert + "('c2c128e2-1c8c-11e4-9bff-1db8a9db0432', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'plivo')"));
        await Assert.ThrowsAnyAsync<DbException>(() => system.ExecuteSqlAsync(Insert + "('other', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'skype')"));
    }

    [Fact]
    public async Task RecordElement_TheOfficialSdkBuildsTheSame()
    {
        await using var recorded = await StartAsync();
        var (_, xml) = await CallAsync(recorded);
        var ours = XDocument.Parse(xml.Body).Root!.Element("Record")!;
        var attributes = new JsonObject();
        foreach (var attribute in ours.Attributes())
        {
            attributes[attribute.Name.LocalName] = attribute.Value;
        }

        // The SDK's XML builder refuses an attribute Plivo's <Record> does not have, and writes the element as Plivo reads it.
        var sdk = await RunPlivoSdkAsync(new JsonObject { ["authId"] = AuthId, ["authToken"] = AuthToken, ["recordingId"] = RecordingId, ["record"] = attributes });
        var theirs = XDocument.Parse((string)sdk["xml"]!).Root!.Elements().Single();

        Assert.True(XNode.DeepEquals(ours, theirs), $"{ours} != {theirs}");
        Assert.Equal(["Record", "Stream"], XDocument.Parse(xml.Body).Root!.Elements().Take(2).Select(e => e.Name.LocalName));
    }

    /// <summary>The Plivo SDK's cross-check script (tests/VoiceServer.Plivo.Tests/SdkCrossCheck/recordings.mjs) on one request.</summary>
    private static async Task<JsonNode> RunPlivoSdkAsync(JsonObject input, [CallerFilePath] string path = "")
    {
        var directory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "VoiceServer.Plivo.Tests", "SdkCrossCheck"));
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "plivo")),
            "The Plivo SDK is not installed: run scripts/plivo-sdk-for-tests.sh (scripts/test.sh does).");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var process = Process.Start(new ProcessStartInfo("node", "recordings.mjs")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await errors);
        return JsonNode.Parse(await output)!;
    }

    internal sealed record Recorded(SystemHarness System, FakePlivoRestApi Api) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await System.DisposeAsync();
            await Api.DisposeAsync();
        }
    }
}
