using System.Text;

namespace VoiceServer.Telnyx.Tests;

/// <summary>
/// Telnyx's per-frame path allocates nothing, as Twilio's: counted with the runtime's per-thread allocation
/// counter, which is exact and independent of machine load (no timing involved).
/// </summary>
public sealed class PerFrameAllocationTests
{
    private const int Iterations = 1_000;

    [Fact]
    public void CallerMediaFrame_ReadWithoutAllocation()
    {
        var json = Encoding.UTF8.GetBytes(
            """{"event":"media","sequence_number":"4","stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC","media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"""
            + "\"" + Convert.ToBase64String(new byte[160]) + "\"}}");
        var scratch = new byte[json.Length];
        var total = 0;

        var allocated = Measure(() =>
        {
            TelnyxMessageReader.TryRead(json, scratch, out var message, out _);
            total += message.Payload.Length;
        });

        Assert.Equal(0, allocated);
        Assert.Equal(216 * (Iterations + 1), total);
    }

    [Fact]
    public void ReturnedMark_ReadWithoutAllocation()
    {
        var json = Encoding.UTF8.GetBytes("""{"event":"mark","sequence_number":"9","stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC","mark":{"name":"a:g3:m17"}}""");
        var scratch = new byte[json.Length];
        var total = 0;

        var allocated = Measure(() =>
        {
            TelnyxMessageReader.TryRead(json, scratch, out var message, out _);
            total += message.MarkName.Length;
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
