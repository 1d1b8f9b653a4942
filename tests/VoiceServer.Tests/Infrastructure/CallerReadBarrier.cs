using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// Caller audio and an HTTP command travel on two connections, so a test that posts a command cannot otherwise know
/// the server has read the frames it sent first. A message the server can only ignore, sent after them on the same
/// socket, tells it: the socket is read in order, so once that message's log line is written, every frame before it
/// has been handled.
/// </summary>
public static class CallerReadBarrier
{
    public static async Task WaitUntilReadAsync(FakeTwilioCaller caller, CapturedLogs serverLogs, CancellationToken cancellationToken)
    {
        const string ignored = "MalformedCallerMessage";
        var earlier = serverLogs.Entries.Where(e => e.EventName == ignored).ToHashSet(ReferenceEqualityComparer.Instance);
        await caller.SendTextAsync("""{"event":"test_read_barrier"}""", cancellationToken);
        await serverLogs.WaitForAsync(e => e.EventName == ignored && !earlier.Contains(e), cancellationToken);
    }
}
