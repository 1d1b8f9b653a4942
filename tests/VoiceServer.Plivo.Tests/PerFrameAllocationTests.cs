using System.Text;

namespace VoiceServer.Plivo.Tests;

/// <summary>
/// Plivo's per-frame path allocates nothing, as Twilio's and Telnyx's: counted with the runtime's per-thread
/// allocation counter, which is exact and independent of machine load (no timing involved).
/// </summary>
public sealed class PerFrameAllocationTests
{
    private const int Iterations = 1_000;

    [Fact]
    public void CallerMediaFrame_ReadWithoutAllocation()
    {
        // extra_headers repeats on every media frame (§2.3): it must cost nothing either.
        var json = Encoding.UTF8.GetBytes(
            """{"event":"media","sequenceNumber":2,"streamId":"87654321-4321-4321-4321-cba987654321","media":{"track":"inbound","timestamp":"1720000000123","chunk":1,"payload":"""
            + "\"" + Convert.ToBase64String(new byte[160]) + "\"},\"extra_headers\":\"agentId=supporten;voice=marin\"}");
        var scratch = new byte[json.Length];
        var total = 0;

        var allocated = Measure(() =>
        {
            PlivoMessageReader.TryRead(json, scratch, out var message, out _);
            total += message.Payload.Length;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(216 * (Iterations + 1), total);
    }

    [Fact]
    public void PlayedStream_ReadWithoutAllocation()
    {
        var json = Encoding.UTF8.GetBytes("""{"event":"playedStream","sequenceNumber":40,"streamId":"87654321-4321-4321-4321-cba987654321","name":"a:g3:m17"}""");
        var scratch = new byte[json.Length];
        var total = 0;

        var allocated = Measure(() =>
        {
            PlivoMessageReader.TryRead(json, scratch, out var message, out _);
            total += message.CheckpointName.Length;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(8 * (Iterations + 1), total);
    }

    private static long Measure(Action frame)
    {
        frame(); // warm-up: first-use allocations are not per frame
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            frame();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
