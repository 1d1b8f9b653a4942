using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.MainApp.Data;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// Every way to abuse what recordings add: the admin media and delete routes under every spelling without the right
/// key, for another call, with hostile ids and formats; Twilio's recording callback unsigned (in every spelling),
/// wrongly signed, from another account, oversized, not a form, with hostile ids, counts and URLs, for a call the app
/// did not ask to record, or trying to replace or revive a recording. None fetches, deletes or stores what it should
/// not, and the account's auth token appears in no log line or answer.
/// </summary>
public sealed class CallRecordingAttackTests
{
    private const string CallSid = OutboundCallTests.PlacedSid;

    private static readonly string[] s_adminSpellings =
    [
        "/api/calls/{0}/recording",
        "/API/CALLS/{0}/RECORDING",
        "/Api/Calls/{0}/Recording",
        "/api/calls/{0}/recording/",
        "/api/%63alls/{0}/recording",
        "/api/calls/{0}/%72ecording",
        "/api/%43alls/{0}/recording",
        "/api//calls/{0}/recording",
        "/api/x/../calls/{0}/recording",
        "/api/x/%2e%2e/calls/{0}/recording",
    ];

    public static TheoryData<string> CallbackSpellings =>
    [
        "/api/twilio/recording-status",
        "/API/TWILIO/RECORDING-STATUS",
        "/Api/Twilio/Recording-Status",
        "/api/twilio/recording-status/",
        "/api/%74wilio/recording-status",
        "//api/twilio/recording-status",
        "/api/x/../twilio/recording-status",
        "/api/x/%2e%2e/twilio/recording-status",
    ];

    /// <summary>An outbound recorded call placed, its recording reported and held by the fake Twilio.</summary>
    private static async Task<(SystemHarness System, FakeTwilioRestApi Twilio, byte[] Wav)> RecordedCallAsync(bool report = true)
    {
        var (system, twilio) = await CallRecordingTests.StartAsync();
        using var placed = await system.Admin.PostAsJsonAsync("/api/calls", new JsonObject { ["agentId"] = "bakery", ["to"] = OutboundCallTests.Callee }, system.Token);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var (wav, _) = twilio.AddRecording(CallRecordingTests.RecordingSid);
        await CallRecordingTests.StoreRecordAsync(system, CallSid, "c-recorded");
        if (report)
        {
            using var reported = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(CallSid));
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        return (system, twilio, wav);
    }

    private static IEnumerable<ReceivedHttpRequest> RecordingRequests(FakeTwilioRestApi twilio) =>
        twilio.Requests.Where(r => r.Path.Contains("/Recordings/", StringComparison.Ordinal));

    [Fact]
    public async Task MediaAndDelete_AnySpelling_WithoutTheRightKey_401_NothingFetchedOrDeleted()
    {
        var (system, twilio, wav) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;

        var failures = new List<string>();
        foreach (var method in new[] { "GET", "DELETE" })
        {
            foreach (var spelling in s_adminSpellings)
            {
                var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, CallSid);
                foreach (var key in new[] { null, "wrong-key", string.Empty, SystemHarness.AdminKey.ToUpperInvariant() })
                {
                    using var response = await AdminApiAuthenticationTests.SendRawAsync(system, method, path, body: null, key);
                    var text = await response.Content.ReadAsStringAsync(system.Token);
                    if (response.StatusCode == HttpStatusCode.Unauthorized
                        ? !text.Contains("\"error\":\"unauthorized\"", StringComparison.Ordinal)
                        : response.StatusCode != HttpStatusCode.NotFound)
                    {
                        failures.Add($"{method} {path} (key {key ?? "none"}): {(int)response.StatusCode} {text}");
                    }
                }
            }
        }

        Assert.Empty(failures);
        Assert.Empty(RecordingRequests(twilio));
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync($"/api/calls/{CallSid}/recording", system.Token));
    }

    [Fact]
    public async Task AnotherCallsSid_404_TheRecordingIsNeitherFetchedNorDeleted()
    {
        var (system, twilio, wav) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;
        var other = TwilioIds.NewCallSid();

        using var get = await system.Admin.GetAsync($"/api/calls/{other}/recording", system.Token);
        using var delete = await system.Admin.DeleteAsync($"/api/calls/{other}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.StatusCode, delete.StatusCode));
        Assert.Empty(RecordingRequests(twilio));
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync($"/api/calls/{CallSid}/recording", system.Token));
    }

    [Theory]
    [InlineData("CA0123")]
    [InlineData("RE0123456789abcdef0123456789abcdef")]
    [InlineData("CA0123456789abcdef0123456789abcdeg")]
    [InlineData("CA0123456789abcdef0123456789abcdef0")]
    [InlineData("..%2F..%2FRecordings")]
    [InlineData("CA0123456789abcdef0123456789abcdef%00")]
    [InlineData("CA0123456789abcdef0123456789abcdef%2F..")]
    public async Task HostileCallSid_400NamingIt_NothingFetched(string callSid)
    {
        var (system, twilio, _) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;

        foreach (var method in new[] { "GET", "DELETE" })
        {
            using var response = await AdminApiAuthenticationTests.SendRawAsync(system, method, $"/api/calls/{callSid}/recording", body: null, SystemHarness.AdminKey);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            // Kestrel itself refuses a path with a NUL before routing, without a body; everything else is the app's 400.
            var text = await response.Content.ReadAsStringAsync(system.Token);
            Assert.True(text.Length == 0 || (string?)JsonNode.Parse(text)!["field"] == "callSid", text);
        }

        using var long1 = await AdminApiAuthenticationTests.SendRawAsync(system, "GET", $"/api/calls/CA{new string('0', 2000)}/recording", body: null, SystemHarness.AdminKey);
        Assert.Equal(HttpStatusCode.BadRequest, long1.StatusCode);
        Assert.Empty(RecordingRequests(twilio));
    }

    [Theory]
    [InlineData("ogg")]
    [InlineData("WAV")]
    [InlineData("..%2F..%2FCalls")]
    [InlineData("wav%2Fx")]
    [InlineData("json")]
    public async Task HostileFormat_400NamingIt_NothingFetched(string format)
    {
        var (system, twilio, _) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;

        using var response = await AdminApiAuthenticationTests.SendRawAsync(system, "GET", $"/api/calls/{CallSid}/recording?format={format}", body: null, SystemHarness.AdminKey);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("format", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.Empty(RecordingRequests(twilio));
    }

    [Fact]
    public async Task WithoutTwilioCredentials_409_NothingFetched()
    {
        var (system, twilio) = await CallRecordingTests.StartAsync(extra: new() { ["TWILIO_ACCOUNT_SID"] = null });
        await using var _ = system;
        await using var __ = twilio;
        // A recording Twilio reported (stored as its callback stores it): its row says it is Twilio's.
        await system.Recordings.RequestedAsync(CallSid, "bakery", PhoneProvider.Twilio, system.Token);
        Assert.True(await system.Recordings.UpdateAsync(PhoneProvider.Twilio, CallSid, CallRecordingTests.RecordingSid, "completed", 42, 2, system.Token));
        var unrecorded = TwilioIds.NewCallSid();

        using var get = await system.Admin.GetAsync($"/api/calls/{CallSid}/recording", system.Token);
        using var delete = await system.Admin.DeleteAsync($"/api/calls/{CallSid}/recording", system.Token);
        using var none = await system.Admin.GetAsync($"/api/calls/{unrecorded}/recording", system.Token);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (get.StatusCode, delete.StatusCode));
        // A call without a recording has none whatever the credentials.
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Empty(twilio.Requests);
    }

    [Theory]
    [MemberData(nameof(CallbackSpellings))]
    public async Task Callback_UnsignedInAnySpelling_NothingStored(string path)
    {
        var (system, twilio, _) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }))
        {
            Content = new FormUrlEncodedContent(CallRecordingTests.RecordingForm(CallSid)),
        };
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        Assert.False((await CallRecordingTests.ListedAsync(system, CallSid)).ContainsKey("recording"));
    }

    [Fact]
    public async Task Callback_WronglySignedOrAnotherAccount_403_NothingStored()
    {
        var (system, twilio, _) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;
        var form = CallRecordingTests.RecordingForm(CallSid);

        using var wrongToken = await CallRecordingTests.PostRecordingStatusAsync(system, form, authToken: "not-the-auth-token");
        using var otherAccount = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(CallSid, accountSid: "AC99999999999999999999999999999999"));
        // Signed for the form as Twilio sent it, then one field changed on the way.
        var signature = TwilioIds.ComputeSignature(SystemHarness.AuthToken, new Uri(system.BaseAddress, "/api/twilio/recording-status").ToString(), form);
        using var tampered = new HttpRequestMessage(HttpMethod.Post, new Uri(system.BaseAddress, "/api/twilio/recording-status"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>(form) { ["RecordingSid"] = "RE99999999999999999999999999999999" }),
        };
        tampered.Headers.Add("X-Twilio-Signature", signature);
        using var tamperedResponse = await system.Anonymous.SendAsync(tampered, system.Token);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (wrongToken.StatusCode, otherAccount.StatusCode, tamperedResponse.StatusCode));
        Assert.False((await CallRecordingTests.ListedAsync(system, CallSid)).ContainsKey("recording"));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "CallbackRefused");
    }

    [Fact]
    public async Task Callback_OversizedTooManyFieldsOrNotAForm_4xx()
    {
        var (system, twilio, _) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;
        var huge = CallRecordingTests.RecordingForm(CallSid);
        huge["Padding"] = new string('x', 70_000);
        var many = CallRecordingTests.RecordingForm(CallSid);
        for (var i = 0; i < 300; i++)
        {
            many[$"F{i}"] = "x";
        }

        using var tooLarge = await CallRecordingTests.PostRecordingStatusAsync(system, huge);
        using var tooMany = await CallRecordingTests.PostRecordingStatusAsync(system, many);
        using var json = await AdminApiAuthenticationTests.SendRawAsync(system, "POST", "/api/twilio/recording-status", $$"""{"CallSid":"{{CallSid}}","RecordingSid":"{{CallRecordingTests.RecordingSid}}"}""", key: null);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.False((await CallRecordingTests.ListedAsync(system, CallSid)).ContainsKey("recording"));
    }

    [Theory]
    [InlineData("RecordingSid", "RE../../../Calls")]
    [InlineData("RecordingSid", "https://evil.example/steal")]
    [InlineData("RecordingSid", "REzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("RecordingSid", "RE0123456789abcdef0123456789abcdef0")]
    [InlineData("RecordingSid", "RE0123456789abcdef0123456789abcdef\n")]
    [InlineData("RecordingSid", "")]
    [InlineData("CallSid", "CA../x")]
    [InlineData("CallSid", "CA0123456789abcdef0123456789abcdef\n")]
    [InlineData("CallSid", "")]
    [InlineData("RecordingStatus", "hacked")]
    [InlineData("RecordingStatus", "deleted")]
    [InlineData("RecordingDuration", "1e9")]
    [InlineData("RecordingDuration", "99999999999")]
    [InlineData("RecordingDuration", "-5")]
    [InlineData("RecordingDuration", "4.2")]
    [InlineData("RecordingChannels", "3")]
    [InlineData("RecordingChannels", "0")]
    [InlineData("RecordingChannels", "two")]
    public async Task Callback_HostileField_400NamingIt_NothingStored(string field, string value)
    {
        var (system, twilio, _) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;
        var form = CallRecordingTests.RecordingForm(CallSid);
        form[field] = value;

        using var response = await CallRecordingTests.PostRecordingStatusAsync(system, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(system.Token))!["field"]);
        Assert.False((await CallRecordingTests.ListedAsync(system, CallSid)).ContainsKey("recording"));
    }

    [Fact]
    public async Task Callback_HostileRecordingUrl_NeverFetched_TheMediaComesFromTheApiBySid()
    {
        var (system, twilio, wav) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        var form = CallRecordingTests.RecordingForm(CallSid);
        form["RecordingUrl"] = elsewhere.Url("/internal/secrets").ToString();

        using var reported = await CallRecordingTests.PostRecordingStatusAsync(system, form);
        var media = await system.Admin.GetByteArrayAsync($"/api/calls/{CallSid}/recording", system.Token);

        Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        Assert.Equal(wav, media);
        Assert.Empty(elsewhere.Requests);
        Assert.Equal($"/2010-04-01/Accounts/{OutboundCallTests.AccountSid}/Recordings/{CallRecordingTests.RecordingSid}.wav", Assert.Single(RecordingRequests(twilio)).Path);
        var listed = await CallRecordingTests.ListedAsync(system, CallSid);
        Assert.DoesNotContain(elsewhere.BaseAddress.Authority, listed.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("api.twilio.com", listed["recording"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callback_ForACallTheAppDidNotAskToRecord_ChangesNothing()
    {
        var (system, twilio, _) = await RecordedCallAsync(report: false);
        await using var _ = system;
        await using var __ = twilio;
        var other = TwilioIds.NewCallSid();
        await CallRecordingTests.StoreRecordAsync(system, other, "c-other");

        using var reported = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(other));
        using var media = await system.Admin.GetAsync($"/api/calls/{other}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (reported.StatusCode, media.StatusCode));
        Assert.False((await CallRecordingTests.ListedAsync(system, other)).ContainsKey("recording"));
        Assert.False((await CallRecordingTests.ListedAsync(system, CallSid)).ContainsKey("recording"));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "RecordingIgnored");
    }

    [Fact]
    public async Task Callback_AnotherRecordingSidForTheCall_IgnoredAndAfterDeleteNothingComesBack()
    {
        var (system, twilio, wav) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;
        const string Other = "RE99999999999999999999999999999999";
        twilio.AddRecording(Other);

        using var replaced = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(CallSid, recordingSid: Other));
        Assert.Equal(HttpStatusCode.NoContent, replaced.StatusCode);
        Assert.Equal(wav, await system.Admin.GetByteArrayAsync($"/api/calls/{CallSid}/recording", system.Token));
        using var deleted = await system.Admin.DeleteAsync($"/api/calls/{CallSid}/recording", system.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var revived = await CallRecordingTests.PostRecordingStatusAsync(system, CallRecordingTests.RecordingForm(CallSid));
        using var media = await system.Admin.GetAsync($"/api/calls/{CallSid}/recording", system.Token);
        using var deletedAgain = await system.Admin.DeleteAsync($"/api/calls/{CallSid}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (revived.StatusCode, media.StatusCode, deletedAgain.StatusCode));
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, CallSid))["recording"]!["status"]);
        Assert.Single(twilio.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Delete_ARecordingTwilioNoLongerHas_CountsAsDeleted()
    {
        var (system, twilio, _) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;
        // Deleted at Twilio already (from its console, say): Twilio's 404 is the outcome wanted.
        twilio.RemoveRecording(CallRecordingTests.RecordingSid);

        using var deleted = await system.Admin.DeleteAsync($"/api/calls/{CallSid}/recording", system.Token);
        using var media = await system.Admin.GetAsync($"/api/calls/{CallSid}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleted.StatusCode, media.StatusCode));
        Assert.Single(twilio.Requests, r => r.Method == "DELETE");
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, CallSid))["recording"]!["status"]);
    }

    [Fact]
    public async Task TheAuthToken_AppearsInNoLogLineOrAnswer()
    {
        var (system, twilio, _) = await RecordedCallAsync();
        await using var _ = system;
        await using var __ = twilio;
        var answers = new List<string>();
        foreach (var path in new[] { $"/api/calls/{CallSid}/recording", $"/api/calls/{CallSid}/recording?format=mp3", $"/api/calls/{TwilioIds.NewCallSid()}/recording", "/api/calls" })
        {
            using var response = await system.Admin.GetAsync(path, system.Token);
            answers.Add(await response.Content.ReadAsStringAsync(system.Token));
        }

        using var deleted = await system.Admin.DeleteAsync($"/api/calls/{CallSid}/recording", system.Token);
        answers.Add(await deleted.Content.ReadAsStringAsync(system.Token));

        Assert.DoesNotContain(answers, answer => answer.Contains(SystemHarness.AuthToken, StringComparison.Ordinal));
        Assert.DoesNotContain(system.Logs.Entries, e => e.Message.Contains(SystemHarness.AuthToken, StringComparison.Ordinal));
    }
}
