using System.Net.WebSockets;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>Twilio's caller: <see cref="FakeTwilioCaller"/>, whose own playback clock returns the marks.</summary>
internal sealed class TwilioSimulatedCaller(FakeTwilioCaller caller) : ISimulatedCaller
{
    public TimeSpan ConnectDuration => caller.ConnectDuration;

    public WebSocketState State => caller.State;

    public string Ids => $"streamSid {caller.StreamSid}, callSid {caller.CallSid}";

    public byte[] ReceivedAudio => caller.ReceivedAudio;

    public long BufferedAudioBytes => caller.BufferedAudioBytes;

    public long FlushedAudioBytes => caller.FlushedAudioBytes;

    public int MarksReceived => caller.MarksReceived;

    public int MarksReturned => caller.ReturnedMarks.Count;

    public int ClearCount => caller.ClearCount;

    /// <summary>Signed with <c>x-twilio-signature</c> when the options carry an Auth Token.</summary>
    public static async Task<ISimulatedCaller> ConnectAsync(Uri url, SimulatorOptions options, ISimulatedCallEvents events, CancellationToken cancellationToken)
    {
        var callerOptions = new FakeTwilioCallerOptions
        {
            Origin = options.Origin,
            CallSid = options.CallSid ?? TwilioIds.NewCallSid(),
            MarkMode = MarkMode.Playback,
            SignatureAuthToken = options.AuthToken,
            SignatureUrl = options.AuthToken is null ? null : SignedUrl(options),
            MessageReceived = message =>
            {
                switch (message.Event)
                {
                    case "media":
                        events.AudioReceived();
                        break;
                    case "clear":
                        events.ClearReceived();
                        break;
                    default:
                        break;
                }
            },
            MarkReturned = events.MarkReturned,
        };
        return new TwilioSimulatedCaller(await FakeTwilioCaller.ConnectAsync(url, callerOptions, cancellationToken));
    }

    /// <summary>What Twilio signs: the TwiML's <c>wss://</c> URL, by default <c>--url</c> without its query.</summary>
    public static string SignedUrl(SimulatorOptions options) => options.SignedUrl ?? options.Url.GetLeftPart(UriPartial.Path);

    public async Task<bool> SendConnectedAsync(CancellationToken cancellationToken)
    {
        await caller.SendConnectedAsync(cancellationToken);
        return true;
    }

    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken) =>
        caller.SendStartAsync(customParameters, cancellationToken: cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => caller.SendMediaAsync(frame, cancellationToken);

    public async Task<bool> SendStopAsync(CancellationToken cancellationToken)
    {
        await caller.SendStopAsync(cancellationToken);
        return true;
    }

    // The fake's playback clock returns marks on its own.
    public Task ReturnPlayedMarksAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(CancellationToken cancellationToken) =>
        caller.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", cancellationToken);

    public void Abort() => caller.Abort();

    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken) =>
        caller.WaitForCloseAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> ReleaseAsync()
    {
        try
        {
            await caller.DisposeAsync();
            return [];
        }
        catch (AggregateException ex)
        {
            return [.. ex.InnerExceptions.Select(e => e.Message)];
        }
    }
}
