using System.Net.WebSockets;

namespace VoiceServer.Simulator;

/// <summary>
/// One provider's caller as the simulator drives it: the provider's fake from its emulator project, behind the few
/// moves a call needs. Every fake checks what the server sends against its provider's rules.
/// </summary>
internal interface ISimulatedCaller
{
    /// <summary>From the start of the upgrade request to the 101 answer.</summary>
    TimeSpan ConnectDuration { get; }

    WebSocketState State { get; }

    /// <summary>The call's ids as the provider names them, for the timeline.</summary>
    string Ids { get; }

    /// <summary>Decoded agent audio received so far (8 kHz μ-law).</summary>
    byte[] ReceivedAudio { get; }

    /// <summary>Agent audio received and not yet played (nor flushed).</summary>
    long BufferedAudioBytes { get; }

    /// <summary>Agent audio that a clear threw away unplayed.</summary>
    long FlushedAudioBytes { get; }

    int MarksReceived { get; }

    int MarksReturned { get; }

    int ClearCount { get; }

    /// <summary>Sends the provider's <c>connected</c>; false when it has none.</summary>
    Task<bool> SendConnectedAsync(CancellationToken cancellationToken);

    /// <summary>Sends <c>start</c>, with <paramref name="customParameters"/> where the provider carries them.</summary>
    Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken);

    /// <summary>One 20 ms frame of caller audio (160 bytes of μ-law or fewer).</summary>
    Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>Sends the provider's <c>stop</c>; false when it has none (the socket's close ends the call).</summary>
    Task<bool> SendStopAsync(CancellationToken cancellationToken);

    /// <summary>Returns the marks whose audio has played by now (called every 20 ms by the sending loop).</summary>
    Task ReturnPlayedMarksAsync(CancellationToken cancellationToken);

    /// <summary>Closes the socket from the caller's side and waits for the server's close frame.</summary>
    Task CloseAsync(CancellationToken cancellationToken);

    void Abort();

    /// <summary>The server closed the socket, or the connection dropped (Status null).</summary>
    Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken);

    /// <summary>Releases the socket; returns the protocol violations the fake saw.</summary>
    Task<IReadOnlyList<string>> ReleaseAsync();
}
