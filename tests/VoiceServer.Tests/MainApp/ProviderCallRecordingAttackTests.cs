using System.Net;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The recording attacks every provider's callback and admin routes face alike, one scenario each, run for Telnyx,
/// Plivo and Vonage through a small driver per provider (<see cref="RecordedProviderCall"/>): the callback unsigned in every
/// spelling of its path stores nothing, a signed callback sent again is refused even after the recording is deleted, one
/// for a call the app did not ask to record changes nothing, and another call's id on the admin routes fetches and
/// forgets nothing. What
/// differs by provider (signatures, fields, URLs) stays in each provider's own attack tests.
/// </summary>
public sealed class ProviderCallRecordingAttackTests
{
    /// <summary>Each provider's callback path in the nine spellings a router might take for it.</summary>
    public static TheoryData<string, string> CallbackSpellings
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var provider in new[] { "telnyx", "plivo", "vonage" })
            {
                var capitalised = char.ToUpperInvariant(provider[0]) + provider[1..];
                string[] spellings =
                [
                    $"/api/{provider}/recording-status",
                    $"/API/{provider.ToUpperInvariant()}/RECORDING-STATUS",
                    $"/Api/{capitalised}/Recording-Status",
                    $"/api/{provider}/recording-status/",
                    $"/api/%{(int)provider[0]:x2}{provider[1..]}/recording-status",
                    $"/api/{provider}/%72ecording-status",
                    $"//api/{provider}/recording-status",
                    $"/api/x/../{provider}/recording-status",
                    $"/api/x/%2e%2e/{provider}/recording-status",
                ];
                foreach (var spelling in spellings)
                {
                    data.Add(provider, spelling);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CallbackSpellings))]
    public async Task Callback_UnsignedInAnySpelling_NothingStored(string provider, string path)
    {
        await using var recorded = await RecordedProviderCall.StartAsync(provider, report: false);
        var system = recorded.System;

        using var request = recorded.CreateCallback(
            new Uri(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }),
            false);
        using var response = await system.Anonymous.SendAsync(request, system.Token);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
        Assert.False((await CallRecordingTests.ListedAsync(system, recorded.CallSid)).ContainsKey("recording"));
    }

    [Theory]
    [MemberData(nameof(RecordedProviderCall.Providers), MemberType = typeof(RecordedProviderCall))]
    public async Task Callback_Replayed_403_EvenAfterTheRecordingIsDeleted(string provider)
    {
        await using var recorded = await RecordedProviderCall.StartAsync(provider, report: false);
        var system = recorded.System;
        using var first = recorded.CreateCallback(recorded.CallbackUrl, true);
        var body = await first.Content!.ReadAsByteArrayAsync(system.Token);
        using var again = new HttpRequestMessage(HttpMethod.Post, first.RequestUri) { Content = new ByteArrayContent(body) };
        again.Content.Headers.ContentType = first.Content.Headers.ContentType;
        foreach (var (name, values) in first.Headers)
        {
            again.Headers.Add(name, values);
        }

        using var accepted = await system.Anonymous.SendAsync(first, system.Token);
        using var deleted = await system.Admin.DeleteAsync($"/api/calls/{recorded.CallSid}/recording", system.Token);
        using var replayed = await system.Anonymous.SendAsync(again, system.Token);

        // Vonage's delete answers 200 with a note (its API keeps the file); the others' 204.
        var deletedStatus = provider == "vonage" ? HttpStatusCode.OK : HttpStatusCode.NoContent;
        Assert.Equal((HttpStatusCode.NoContent, deletedStatus, HttpStatusCode.Forbidden), (accepted.StatusCode, deleted.StatusCode, replayed.StatusCode));
        Assert.Contains("replayed", await replayed.Content.ReadAsStringAsync(system.Token), StringComparison.Ordinal);
        Assert.Equal("deleted", (string?)(await CallRecordingTests.ListedAsync(system, recorded.CallSid))["recording"]!["status"]);
    }

    [Theory]
    [MemberData(nameof(RecordedProviderCall.Providers), MemberType = typeof(RecordedProviderCall))]
    public async Task Callback_ForACallTheAppDidNotAskToRecord_ChangesNothing(string provider)
    {
        await using var recorded = await RecordedProviderCall.StartAsync(provider, report: false);
        var system = recorded.System;
        // A call whose record exists but whose answer never asked for a recording (for Vonage, its conversation).
        var other = recorded.NewCallSid();
        await CallRecordingTests.StoreRecordAsync(system, other, "c-other");

        using var request = recorded.SignedCallbackFor(recorded.CallbackUrl, other);
        using var reported = await system.Anonymous.SendAsync(request, system.Token);
        using var media = await system.Admin.GetAsync($"/api/calls/{other}/recording", system.Token);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (reported.StatusCode, media.StatusCode));
        Assert.False((await CallRecordingTests.ListedAsync(system, other)).ContainsKey("recording"));
        Assert.False((await CallRecordingTests.ListedAsync(system, recorded.CallSid)).ContainsKey("recording"));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "RecordingIgnored");
        Assert.Empty(recorded.Api.Requests);
    }

    [Theory]
    [MemberData(nameof(RecordedProviderCall.Providers), MemberType = typeof(RecordedProviderCall))]
    public async Task AnotherCallsId_404_NothingFetchedOrDeleted(string provider)
    {
        await using var recorded = await RecordedProviderCall.StartAsync(provider, report: true);
        var system = recorded.System;
        var media = $"/api/calls/{recorded.CallSid}/recording";
        var other = $"/api/calls/{recorded.NewCallSid()}/recording";

        using var get = await system.Admin.GetAsync(other, system.Token);
        using var delete = await system.Admin.DeleteAsync(other, system.Token);

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (get.StatusCode, delete.StatusCode));
        Assert.Empty(recorded.Api.Requests);
        Assert.Equal(recorded.Wav, await system.Admin.GetByteArrayAsync(media, system.Token));
        Assert.Equal("completed", (string?)(await CallRecordingTests.ListedAsync(system, recorded.CallSid))["recording"]!["status"]);
    }
}
