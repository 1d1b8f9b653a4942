namespace VoiceServer.LoadTest;

/// <summary>When this connection's set-up steps happened at the peer (Stopwatch ticks; the machine's monotonic clock, shared by the load run's processes).</summary>
internal sealed class SetupClock
{
    public long UpgradeRequested { get; set; }

    public long Accepted { get; set; }

    public long SessionUpdateReceived { get; set; }

    public long SessionUpdatedSent { get; set; }
}
