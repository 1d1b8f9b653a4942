using System.Net;
using System.Xml.Linq;
using VoiceServer.PlivoEmulator;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// One provider's recorded call, as that provider's own tests set it up, for the scenarios every provider's recordings
/// share: the system, the fake provider API holding the file, the call's id, the callback for its recording (signed or
/// not) or for another call, a fresh id of the provider's form, and what the answer asked of the provider, in order.
/// </summary>
internal sealed record RecordedProviderCall(
    SystemHarness System,
    FakeRecordingProviderApi Api,
    IAsyncDisposable Owner,
    string CallSid,
    byte[] Wav,
    Func<Uri, bool, HttpRequestMessage> CreateCallback,
    Func<Uri, string, HttpRequestMessage> SignedCallbackFor,
    Func<string> NewCallSid,
    IReadOnlyList<string> AnswerActions) : IAsyncDisposable
{
    public static TheoryData<string> Providers => ["telnyx", "plivo", "vonage"];

    public Uri CallbackUrl => new(System.BaseAddress, $"/api/{Provider}/recording-status");

    private string Provider { get; init; } = string.Empty;

    public ValueTask DisposeAsync() => Owner.DisposeAsync();

    public static async Task<RecordedProviderCall> StartAsync(string provider, bool report, bool record = true)
    {
        var recorded = provider switch
        {
            "telnyx" => await TelnyxAsync(record),
            "plivo" => await PlivoAsync(record),
            "vonage" => await VonageAsync(record),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
        } with { Provider = provider };
        if (report)
        {
            using var request = recorded.CreateCallback(recorded.CallbackUrl, true);
            using var reported = await recorded.System.Anonymous.SendAsync(request, recorded.System.Token);
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        return recorded;
    }

    private static async Task<RecordedProviderCall> TelnyxAsync(bool record)
    {
        var recorded = await TelnyxCallRecordingTests.StartAsync(record: record);
        var (callSid, texml) = await TelnyxCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(TelnyxCallRecordingTests.RecordingId);
        return new RecordedProviderCall(
            recorded.System,
            recorded.Api,
            recorded,
            callSid,
            wav,
            (url, sign) => recorded.Telnyx.CreateRequest(url, TelnyxCallRecordingTests.RecordingForm(callSid), sign: sign),
            (url, other) => recorded.Telnyx.CreateRequest(url, TelnyxCallRecordingTests.RecordingForm(other)),
            FakeTelnyxWebhook.NewCallSid,
            [.. XDocument.Parse(texml.Body).Root!.Elements().Select(e => e.Name.LocalName)]);
    }

    private static async Task<RecordedProviderCall> PlivoAsync(bool record)
    {
        var recorded = await PlivoCallRecordingTests.StartAsync(record: record);
        var (callUuid, xml) = await PlivoCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(PlivoCallRecordingTests.RecordingId);
        return new RecordedProviderCall(
            recorded.System,
            recorded.Api,
            recorded,
            callUuid,
            wav,
            (url, sign) => FakePlivoWebhook.CreateRequest(url, PlivoCallRecordingTests.RecordingForm(callUuid), sign ? PlivoCallRecordingTests.AuthToken : null),
            (url, other) => FakePlivoWebhook.CreateRequest(url, PlivoCallRecordingTests.RecordingForm(other), PlivoCallRecordingTests.AuthToken),
            static () => Guid.NewGuid().ToString(),
            [.. XDocument.Parse(xml.Body).Root!.Elements().Select(e => e.Name.LocalName)]);
    }

    private static async Task<RecordedProviderCall> VonageAsync(bool record)
    {
        var recorded = await VonageCallRecordingTests.StartAsync(record: record);
        var call = await VonageCallRecordingTests.CallAsync(recorded);
        var (wav, _) = recorded.Api.AddRecording(VonageCallRecordingTests.FileId);
        var body = VonageCallRecordingTests.RecordingEvent(call.ConversationUuid, recorded.Api.FileUrl(VonageCallRecordingTests.FileId)).ToJsonString();
        return new RecordedProviderCall(
            recorded.System,
            recorded.Api,
            recorded,
            call.Uuid,
            wav,
            (url, sign) => FakeVonageWebhook.Post(url, body, sign ? string.Empty : null),
            (url, other) => FakeVonageWebhook.Post(url, VonageCallRecordingTests.RecordingEvent("CON-" + other, recorded.Api.FileUrl(VonageCallRecordingTests.FileId)).ToJsonString()),
            static () => Guid.NewGuid().ToString(),
            [.. call.Ncco.Select(action => (string)action!["action"]!)]);
    }
}
