using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using System.Text.Json.Nodes;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Recordings;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Recorded Vonage calls end to end, on both databases: an agent that records gets an NCCO <c>record</c> action (the
/// conversation in two channels, WAV, no beep, its event at <c>/api/vonage/recording-status</c>) before the
/// <c>connect</c>; Vonage's signed recording event is matched to the call by its conversation, stored and listed as the
/// other providers' are; the media comes through the main app from a fake Vonage on a real socket, from the file URL the
/// event sent (on an allowed origin), with a fresh RS256 application JWT the fake verifies, byte for byte and as it
/// arrives; a delete forgets it here and says that Vonage keeps its copy.
/// </summary>
public sealed class VonageCallRecordingTests
{
    internal const string Number = "+15557004000";
    internal const string ApplicationId = "aaaaaaaa-1111-4222-8333-0123456789ab";
    internal const string FileId = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
    internal const string RecordingUuid = "d8c75dcc-8a8d-4fb7-9d6e-527d5a435547";

    /// <summary>The application's key pair, for all the tests: the main app signs with its private half, the fake verifies with the public one.</summary>
    internal static readonly RSA Key = RSA.Create(2048);

    internal static string PrivateKeyPem { get; } = Key.ExportPkcs8PrivateKeyPem();

    internal static async Task<Recorded> StartAsync(string backend = "sqlite", bool record = true, Dictionary<string, string?>? extra = null)
    {
        var api = await FakeVonageRestApi.StartAsync(ApplicationId, Key);
        var settings = new Dictionary<string, string?>
        {
            ["VONAGE_APPLICATION_ID"] = ApplicationId,
            ["VONAGE_PRIVATE_KEY"] = PrivateKeyPem,
            ["VONAGE_RECORDING_ORIGINS"] = api.BaseAddress.GetLeftPart(UriPartial.Authority),
        };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var system = await VonageWebhookTests.StartAsync(backend, settings);
        var agent = TelnyxVoiceWebhookTests.Agent();
        agent["record"] = record;
        await system.CreateAgentAsync("bakery", Number, agent, provider: "vonage");
        return new Recorded(system, api);
    }

    internal static Uri CallbackUrl(SystemHarness system) => new(system.BaseAddress, "/api/vonage/recording-status");

    /// <summary>Vonage's recording event, with the fields its webhook reference lists.</summary>
    internal static JsonObject RecordingEvent(string conversationUuid, Uri recordingUrl, string recordingUuid = RecordingUuid) => new()
    {
        ["start_time"] = "2026-12-08T01:00:00Z",
        ["recording_url"] = recordingUrl.ToString(),
        ["size"] = 12222,
        ["recording_uuid"] = recordingUuid,
        ["end_time"] = "2026-12-08T01:00:42Z",
        ["conversation_uuid"] = conversationUuid,
        ["timestamp"] = "2026-12-08T01:00:43.000Z",
    };

    internal static async Task<HttpResponseMessage> PostRecordingEventAsync(SystemHarness system, JsonObject body, string? token = "")
    {
        using var request = FakeVonageWebhook.Post(CallbackUrl(system), body.ToJsonString(), token);
        return await system.Anonymous.SendAsync(request, system.Token);
    }

    /// <summary>A call answered by the answer webhook (a signed POST) and its record stored, as the voice server stores it.</summary>
    internal static async Task<Call> CallAsync(Recorded recorded, string callId = "c-vonage")
    {
        var system = recorded.System;
        var uuid = Guid.NewGuid().ToString();
        var call = FakeVonageWebhook.IncomingCall(Number[1..], uuid);
        using var request = FakeVonageWebhook.Post(VonageWebhookTests.AnswerUrl(system), call.ToJsonString());
        var (status, ncco, _) = await VonageWebhookTests.SendAsync(system, request);
        Assert.Equal(HttpStatusCode.OK, status);
        await CallRecordingTests.StoreRecordAsync(system, uuid, callId);
        return new Call(uuid, (string)call["conversation_uuid"]!, ncco!.AsArray());
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task RecordedCall_RecordBeforeConnect_EventListed_WavStreamedAsItArrives_ThenForgotten(string backend)
    {
        await using var recorded = await StartAsync(backend);
        var (system, api) = recorded;
        var call = await CallAsync(recorded);

        // Vonage records the conversation in the background, the caller and the agent on two channels, then connects.
        Assert.Equal(["record", "connect"], call.Ncco.Select(action => (string?)action!["action"]));
        Assert.True(JsonNode.DeepEquals(
            new JsonObject
            {
                ["action"] = "record",
                ["split"] = "conversation",
                ["channels"] = 2,
                ["format"] = "wav",
                ["beepStart"] = false,
                ["eventUrl"] = new JsonArray(CallbackUrl(system).ToString()),
                ["eventMethod"] = "POST",
            },
            call.Ncco[0]), call.Ncco[0]!.ToJsonString());
        Assert.Equal(call.Uuid, (string?)call.Ncco[1]!["endpoint"]![0]!["headers"]!["CallSid"]);
        Assert.False((await CallRecordingTests.ListedAsync(system, call.Uuid)).ContainsKey("recording"));

        var (wav, _) = api.AddRecording(FileId);
        using (var reported = await PostRecordingEventAsync(system, RecordingEvent(call.ConversationUuid, api.FileUrl(FileId))))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        var listed = await CallRecordingTests.ListedAsync(system, call.Uuid);
        var mediaUrl = new Uri(system.BaseAddress, $"/api/calls/{call.Uuid}/recording");
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["sid"] = RecordingUuid, ["durationSeconds"] = 42, ["channels"] = 2, ["status"] = "completed", ["url"] = mediaUrl.ToString() },
            listed["recording"]), listed["recording"]?.ToJsonString());
        Assert.DoesNotContain(api.BaseAddress.Authority, listed.ToJsonString(), StringComparison.Ordinal);

        // The first bytes reach the admin while Vonage still holds the rest: the media is streamed, not buffered whole.
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

        var file = Assert.Single(api.Requests);
        Assert.Equal(("GET", $"/v1/files/{FileId}"), (file.Method, file.Path));
        var claims = Assert.Single(api.AcceptedClaims);
        Assert.Equal(ApplicationId, claims.GetProperty("application_id").GetString());
        Assert.InRange(claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64(), 1, 15 * 60);

        // Vonage offers no deletion: forgotten here, and the answer says Vonage keeps its copy.
        using var deleted = await system.Admin.DeleteAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var answer = await deleted.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("forgotten", (string?)answer!["status"]);
        Assert.Contains("Vonage keeps its copy", (string?)answer["note"], StringComparison.Ordinal);
        Assert.Single(api.Requests);
        using var gone = await system.Admin.GetAsync(mediaUrl, system.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var afterDelete = await CallRecordingTests.ListedAsync(system, call.Uuid);
        Assert.Equal(("deleted", null), ((string?)afterDelete["recording"]!["status"], afterDelete["recording"]!["url"]));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mp3_404_VonageKeepsTheWavOnly_NothingFetched()
    {
        await using var recorded = await StartAsync();
        var (system, api) = recorded;
        var call = await CallAsync(recorded);
        api.AddRecording(FileId);
        using (var reported = await PostRecordingEventAsync(system, RecordingEvent(call.ConversationUuid, api.FileUrl(FileId))))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var response = await system.Admin.GetAsync($"/api/calls/{call.Uuid}/recording?format=mp3", system.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task EmptyRecordingUrl_StoredAsFailed_NoMediaToFetch()
    {
        await using var recorded = await StartAsync();
        var (system, api) = recorded;
        var call = await CallAsync(recorded);
        var body = RecordingEvent(call.ConversationUuid, api.FileUrl(FileId));
        body["recording_url"] = string.Empty;
        body["size"] = 0;

        using var reported = await PostRecordingEventAsync(system, body);
        using var media = await system.Admin.GetAsync($"/api/calls/{call.Uuid}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (reported.StatusCode, media.StatusCode));
        var listed = await CallRecordingTests.ListedAsync(system, call.Uuid);
        Assert.Equal(("failed", null), ((string?)listed["recording"]!["status"], listed["recording"]!["url"]));
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task WithoutApplicationSettings_StillRecorded_WarnedOnce_AdminRoutes409NamingThem()
    {
        await using var recorded = await StartAsync(extra: new() { ["VONAGE_APPLICATION_ID"] = null, ["VONAGE_PRIVATE_KEY"] = null });
        var (system, api) = recorded;
        var first = await CallAsync(recorded, "c-1");
        var second = await CallAsync(recorded, "c-2");
        api.AddRecording(FileId);
        using (var reported = await PostRecordingEventAsync(system, RecordingEvent(first.ConversationUuid, api.FileUrl(FileId))))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        using var get = await system.Admin.GetAsync($"/api/calls/{first.Uuid}/recording", system.Token);
        using var delete = await system.Admin.DeleteAsync($"/api/calls/{first.Uuid}/recording", system.Token);

        Assert.Equal(["record", "connect"], second.Ncco.Select(action => (string?)action!["action"]));
        Assert.Single(system.Logs.Entries, e => e.EventName == "RecordingsUnfetchable");
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (get.StatusCode, delete.StatusCode));
        var error = await get.Content.ReadFromJsonAsync<JsonObject>(system.Token);
        Assert.Equal("recordings_unavailable", (string?)error!["error"]);
        Assert.Contains("VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY", (string?)error["message"], StringComparison.Ordinal);
        Assert.Empty(api.Requests);
        Assert.Equal("completed", (string?)(await CallRecordingTests.ListedAsync(system, first.Uuid))["recording"]!["status"]);
    }

    [Fact]
    public async Task APlivoAndAVonageCall_BothUuids_EachRecordingFromItsOwnProvider()
    {
        // Both providers' call ids are UUIDs: the stored row, not the id's form, says whose recording it is.
        await using var plivo = await FakeHttpReceiver.StartAsync();
        await using var recorded = await StartAsync(extra: new()
        {
            ["PLIVO_AUTH_TOKEN"] = PlivoCallRecordingTests.AuthToken,
            ["PLIVO_AUTH_ID"] = PlivoCallRecordingTests.AuthId,
            ["PLIVO_API_BASE_URL"] = plivo.Url("/v1").ToString(),
            ["PLIVO_MEDIA_BASE_URL"] = plivo.Url("/media/v1").ToString(),
        });
        var (system, api) = recorded;
        var call = await CallAsync(recorded);
        var (wav, _) = api.AddRecording(FileId);
        using (var reported = await PostRecordingEventAsync(system, RecordingEvent(call.ConversationUuid, api.FileUrl(FileId))))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        // Plivo's callback naming the Vonage call's uuid changes nothing: the row is Vonage's.
        using (var plivoReport = await PlivoCallRecordingTests.PostRecordingStatusAsync(system, PlivoCallRecordingTests.RecordingForm(call.Uuid)))
        {
            Assert.Equal(HttpStatusCode.NoContent, plivoReport.StatusCode);
        }

        Assert.Equal(wav, await system.Admin.GetByteArrayAsync($"/api/calls/{call.Uuid}/recording", system.Token));
        using var deleted = await system.Admin.DeleteAsync($"/api/calls/{call.Uuid}/recording", system.Token);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Empty(plivo.Requests);
        Assert.Equal(RecordingUuid, (string?)(await CallRecordingTests.ListedAsync(system, call.Uuid))["recording"]!["sid"]);
    }

    [Theory]
    [InlineData("VONAGE_APPLICATION_ID", "not-a-uuid", null)]
    [InlineData("VONAGE_PRIVATE_KEY", null, "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----")]
    [InlineData("VONAGE_APPLICATION_ID", ApplicationId, "")]
    [InlineData("VONAGE_RECORDING_ORIGINS", null, null)]
    public async Task BadApplicationSettings_TheAppStopsNamingTheSetting_NeverTheKey(string setting, string? applicationId, string? privateKey)
    {
        var settings = new Dictionary<string, string?>
        {
            ["VONAGE_APPLICATION_ID"] = applicationId ?? ApplicationId,
            ["VONAGE_PRIVATE_KEY"] = privateKey ?? PrivateKeyPem,
        };
        if (setting == "VONAGE_RECORDING_ORIGINS")
        {
            settings[setting] = "https://api.nexmo.com/v1/files";
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => VonageWebhookTests.StartAsync(extra: settings));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateKeyPem[40..80], error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SystemHarness.Backends), MemberType = typeof(SystemHarness))]
    public async Task Migration0012_KeepsEveryEarlierRecording_AndAllowsVonagesOnly(string backend)
    {
        await using var system = await SystemHarness.StartAsync(backend);
        const string Insert = "INSERT INTO call_recordings (call_sid, agent_id, recording_sid, status, duration_seconds, channels, requested_at, updated_at, provider) VALUES ";
        await system.ExecuteSqlAsync(Insert + "('CA01', 'bakery', 'RE01', 'completed', 42, 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'twilio'), ('c2c128e2-1c8c-11e4-9bff-1db8a9db0432', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'plivo')");
        // Applied again, as on a database that had only 0011: the rows stay as they were.
        await system.ExecuteSqlAsync("DROP INDEX call_recordings_conversation");
        if (backend == "postgres")
        {
            await system.ExecuteSqlAsync("ALTER TABLE call_recordings DROP COLUMN conversation_id, DROP COLUMN media_url");
        }

        await system.ExecuteSqlAsync("DELETE FROM schema_migrations WHERE name LIKE '0012%'");
        await system.Database.MigrateAsync(system.Token);

        var kept = await system.Recordings.ForCallsAsync(["CA01", "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"], system.Token);
        Assert.Equal(
            [new CallRecording("CA01", "bakery", "RE01", "completed", 42, 2, PhoneProvider.Twilio), new CallRecording("c2c128e2-1c8c-11e4-9bff-1db8a9db0432", "bakery", null, "requested", null, null, PhoneProvider.Plivo)],
            kept.Values.OrderBy(r => r.CallSid, StringComparer.Ordinal));
        Assert.Equal(1, await system.ExecuteSqlAsync(Insert + "('2b8e7c1a-1c8c-41e4-9bff-1db8a9db0432', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'vonage')"));
        await Assert.ThrowsAnyAsync<DbException>(() => system.ExecuteSqlAsync(Insert + "('other', 'bakery', NULL, 'requested', NULL, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'skype')"));
    }

    [Fact]
    public async Task RecordAction_TheOfficialSdkBuildsTheSame()
    {
        await using var recorded = await StartAsync();
        var call = await CallAsync(recorded);
        var ours = call.Ncco[0]!.AsObject();

        var sdk = await RunVonageSdkAsync(new JsonObject
        {
            ["record"] = new JsonObject
            {
                ["format"] = (string?)ours["format"],
                ["split"] = (string?)ours["split"],
                ["channels"] = (int?)ours["channels"],
                ["beepStart"] = (bool?)ours["beepStart"],
                ["eventUrl"] = (string?)ours["eventUrl"]![0],
                ["eventMethod"] = (string?)ours["eventMethod"],
            },
        });

        // The SDK's Record builder checks each option as Vonage allows it (split "conversation" before channels, 1 to 32
        // channels) and leaves out a false beepStart, Vonage's default, which ours writes to say so.
        var theirs = sdk["record"]!.AsObject();
        var expected = ours.DeepClone().AsObject();
        expected.Remove("beepStart");
        Assert.True(JsonNode.DeepEquals(expected, theirs), $"{expected.ToJsonString()} != {theirs.ToJsonString()}");
    }

    /// <summary>The Vonage SDK's cross-check script (tests/VoiceServer.Vonage.Tests/SdkCrossCheck/crosscheck.mjs) on one request.</summary>
    private static async Task<JsonNode> RunVonageSdkAsync(JsonObject input, [CallerFilePath] string path = "")
    {
        var directory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "VoiceServer.Vonage.Tests", "SdkCrossCheck"));
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "@vonage", "voice")),
            "The Vonage SDK is not installed: run scripts/vonage-sdk-for-tests.sh (scripts/test.sh does).");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var process = Process.Start(new ProcessStartInfo("node", "crosscheck.mjs")
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

    internal sealed record Call(string Uuid, string ConversationUuid, JsonArray Ncco);

    internal sealed record Recorded(SystemHarness System, FakeVonageRestApi Api) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await System.DisposeAsync();
            await Api.DisposeAsync();
        }
    }
}
