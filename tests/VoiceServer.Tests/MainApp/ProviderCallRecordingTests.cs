using System.Net;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The recording flow every provider shares, one scenario run for Telnyx, Plivo and Vonage through
/// <see cref="RecordedProviderCall"/>: an agent that does not record gets an answer that asks the provider for no
/// recording, and a callback for its call changes nothing. Each provider's own answer, callback, media and delete stay
/// in its own flow tests.
/// </summary>
public sealed class ProviderCallRecordingTests
{
    /// <summary>What each provider's answer asks of it, in order, for an agent that does not record.</summary>
    private static readonly Dictionary<string, string[]> s_unrecordedAnswers = new(StringComparer.Ordinal)
    {
        ["telnyx"] = ["Connect", "Say"],
        ["plivo"] = ["Stream", "Speak"],
        ["vonage"] = ["connect"],
    };

    [Theory]
    [MemberData(nameof(RecordedProviderCall.Providers), MemberType = typeof(RecordedProviderCall))]
    public async Task AgentThatDoesNotRecord_NoRecordingAsked_AndACallbackForItsCallIsIgnored(string provider)
    {
        await using var recorded = await RecordedProviderCall.StartAsync(provider, report: false, record: false);
        var system = recorded.System;

        using var request = recorded.CreateCallback(recorded.CallbackUrl, true);
        using var reported = await system.Anonymous.SendAsync(request, system.Token);
        using var media = await system.Admin.GetAsync($"/api/calls/{recorded.CallSid}/recording", system.Token);

        Assert.Equal(s_unrecordedAnswers[provider], recorded.AnswerActions);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (reported.StatusCode, media.StatusCode));
        Assert.False((await CallRecordingTests.ListedAsync(system, recorded.CallSid)).ContainsKey("recording"));
        Assert.Contains(system.Logs.Entries, e => e.EventName == "RecordingIgnored");
        Assert.Empty(recorded.Api.Requests);
    }
}
