using System.Collections.Concurrent;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>
/// Remembers the signatures (or token ids) of the signed webhooks already let in, for as long as their timestamp
/// would still pass, so a captured request cannot be sent again within its freshness window. In memory, per
/// instance: behind several instances a replay may reach another one, which the timestamp still bounds.
/// </summary>
internal sealed class ReplayGuard(TimeProvider timeProvider)
{
    /// <summary>Beyond this many remembered entries, the expired ones are swept before another is added.</summary>
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="key"/> is offered within <paramref name="window"/>, false for a replay.</summary>
    public bool TryAccept(string key, TimeSpan window)
    {
        var now = timeProvider.GetUtcNow();
        if (_seen.Count > SweepThreshold)
        {
            foreach (var (seenKey, expires) in _seen)
            {
                if (expires <= now)
                {
                    _seen.TryRemove(seenKey, out _);
                }
            }
        }

        var expiry = now + window;
        // An expired entry is a key seen so long ago that its timestamp no longer passes: accept it afresh.
        return _seen.TryAdd(key, expiry) ||
            (_seen.TryGetValue(key, out var previous) && previous <= now && _seen.TryUpdate(key, expiry, previous));
    }
}
