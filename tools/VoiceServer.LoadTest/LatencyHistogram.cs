using System.Diagnostics;

namespace VoiceServer.LoadTest;

/// <summary>
/// Latencies in 10 µs buckets up to 2 s (the rest in one overflow bucket), recorded lock-free from any thread without
/// allocating: what the per-frame path of a load generator can afford.
/// </summary>
internal sealed class LatencyHistogram
{
    private const long BucketTicks = 10 * TimeSpan.TicksPerMillisecond / 1000;
    private const int Buckets = 200_000;

    private readonly long[] _counts = new long[Buckets + 1];
    private long _maxTicks;

    public long Count
    {
        get
        {
            long total = 0;
            foreach (var count in _counts)
            {
                total += count;
            }

            return total;
        }
    }

    public void Record(long stopwatchTicks)
    {
        var ticks = Math.Max(0, stopwatchTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        Interlocked.Increment(ref _counts[Math.Min(Buckets, ticks / BucketTicks)]);
        long max;
        while (ticks > (max = Volatile.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, max) != max)
        {
        }
    }

    /// <summary>The latency at or below which <paramref name="fraction"/> of the samples fall, in milliseconds.</summary>
    public double Percentile(double fraction)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var bucket = 0; bucket <= Buckets; bucket++)
        {
            seen += _counts[bucket];
            if (seen >= rank)
            {
                return bucket == Buckets ? MaxMs : (bucket + 1) * BucketTicks / (double)TimeSpan.TicksPerMillisecond;
            }
        }

        return MaxMs;
    }

    public double MaxMs => Volatile.Read(ref _maxTicks) / (double)TimeSpan.TicksPerMillisecond;

    /// <summary>Forgets every sample (between measurements; not while samples are being recorded).</summary>
    public void Reset()
    {
        Array.Clear(_counts);
        Volatile.Write(ref _maxTicks, 0);
    }
}
