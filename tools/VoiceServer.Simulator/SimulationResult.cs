using System.Net;
using System.Net.WebSockets;

namespace VoiceServer.Simulator;

/// <summary>What one simulated call measured.</summary>
public sealed record SimulationResult
{
    public int ExitCode { get; init; }

    /// <summary>One line saying why the exit code is what it is.</summary>
    public string Outcome { get; init; } = string.Empty;

    /// <summary>Set when the upgrade was refused.</summary>
    public HttpStatusCode? RefusedStatus { get; init; }

    public string? RefusedBody { get; init; }

    /// <summary>From the start of the upgrade request to the 101 answer.</summary>
    public TimeSpan? SetupTime { get; init; }

    /// <summary>From sending <c>start</c> to the first agent audio (a greeting, or the reply).</summary>
    public TimeSpan? FirstAudioAfterStart { get; init; }

    /// <summary>From the end of the caller's speech (before the tail silence) to the first agent audio after it.</summary>
    public TimeSpan? FirstAudioAfterSpeechEnd { get; init; }

    public long CallerAudioBytes { get; init; }

    public long AgentAudioBytes { get; init; }

    public TimeSpan AgentAudioDuration => TimeSpan.FromMilliseconds(AgentAudioBytes / 8.0);

    public int MarksReceived { get; init; }

    public int MarksReturned { get; init; }

    public int Clears { get; init; }

    public WebSocketCloseStatus? CloseStatus { get; init; }

    public string? CloseDescription { get; init; }

    /// <summary>True when the server closed (or dropped) the socket before the simulator ended the call.</summary>
    public bool ClosedByServer { get; init; }

    /// <summary>Twilio protocol violations the server committed (extra fields, wrong streamSid, …).</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];
}
