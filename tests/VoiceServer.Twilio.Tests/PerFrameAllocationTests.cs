using System.Text;

namespace VoiceServer.Twilio.Tests;

/// <summary>
/// The caller's side of the per-frame path allocates nothing: counted with the runtime's per-thread allocation counter, which is
/// exact and independent of machine load (no timing involved).
/// </summary>
public sealed class PerFrameAllocationTests
{
    private const int Iterations = 1_000;

    [Fact]
    public void CallerMediaFrame_ReadWithoutAllocation()
    {
        var json = Encoding.UTF8.GetBytes(
            """{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"52","payload":"""
            + "\"" + Convert.ToBase64String(new byte[160]) + "\"}," + "\"streamSid\":\"MZ0123456789abcdef0123456789abcdef\"}");
        var scratch = new byte[json.Length];
        var total = 0;

        var allocated = Measure(() =>
        {
            TwilioMessageReader.TryRead(json, scratch, out var message, out _);
            total += message.Payload.Length;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(216 * (Iterations + 1), total);
    }

    private static long Measure(Action frame)
    {
        frame(); // warm-up: first-use allocations (string cache, dictionary buckets) are not per frame
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            frame();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
