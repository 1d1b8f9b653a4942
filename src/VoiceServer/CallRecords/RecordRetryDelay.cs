namespace VoiceServer.CallRecords;

/// <summary>
/// The wait before a record's next attempt: <c>CALL_EVENTS_RETRY_DELAY_MS</c> doubled for each retry, capped at a
/// minute, then spread ±20 % at random so that servers retrying after a receiver's outage do not all arrive at once.
/// Unlike decorrelated jitter, the doubling stays true below the cap: the shortest next wait (1.6×) is longer than the
/// longest previous one (1.2×).
/// </summary>
internal static class RecordRetryDelay
{
    /// <summary>Half the width of the random spread around the nominal delay.</summary>
    public const double Spread = 0.2;

    /// <summary>Where the doubling stops (before the spread).</summary>
    public static readonly TimeSpan MaxNominalDelay = TimeSpan.FromMinutes(1);

    /// <summary>The wait before retry <paramref name="retry"/> (0 for the first), for <paramref name="random"/> uniform in [0, 1).</summary>
    public static TimeSpan For(int retry, TimeSpan firstDelay, double random)
    {
        var nominal = Math.Min(firstDelay.Ticks * Math.Pow(2, retry), MaxNominalDelay.Ticks);
        return TimeSpan.FromTicks((long)(nominal * (1 - Spread + (2 * Spread * random))));
    }
}
