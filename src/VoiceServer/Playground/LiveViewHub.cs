using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;

namespace VoiceServer.Playground;

/// <summary>
/// The live views of this instance. A view is created when the page asks to place a call, claimed by the media
/// socket that brings its id, and removed when its call ends; one never claimed expires after
/// <see cref="Lifetime"/>. At most <c>MAX_CONCURRENT_CALLS</c> views exist at once.
/// </summary>
internal sealed class LiveViewHub(IOptions<VoiceServerOptions> options, TimeProvider timeProvider)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, LiveView> _views = new(StringComparer.Ordinal);
    private int _count;

    public bool TryCreate(out LiveView view)
    {
        // The slot is taken before the view exists, so parallel requests cannot overshoot the cap.
        if (Interlocked.Increment(ref _count) > options.Value.MaxConcurrentCalls)
        {
            Interlocked.Decrement(ref _count);
            view = null!;
            return false;
        }

        // 256 random bits, URL-safe: the id is a bearer credential for its call.
        var id = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var created = new LiveView(id, Remove);
        _views[id] = created;
        var expiry = timeProvider.CreateTimer(static state => Expire((LiveView)state!), created, Lifetime, Timeout.InfiniteTimeSpan);
        created.Expiry = expiry;
        view = created;
        return true;
    }

    /// <summary>The media socket's claim: the view exists and no other socket took it.</summary>
    public bool TryClaim(string id, out LiveView view)
    {
        if (_views.TryGetValue(id, out view!) && view.TryClaim())
        {
            view.Expiry?.Dispose();
            return true;
        }

        view = null!;
        return false;
    }

    /// <summary>The page's event stream: the view exists and no other stream reads it.</summary>
    public bool TryOpen(string id, out LiveView view) => _views.TryGetValue(id, out view!) && view.TryOpen();

    public int Count => Volatile.Read(ref _count);

    private static void Expire(LiveView view)
    {
        // Claiming it here closes the race with a socket arriving at the same moment: one of the two wins.
        if (view.TryClaim())
        {
            view.OnRefused("live_view_expired", $"no call joined this live view within {Lifetime.TotalSeconds:0} s");
        }
    }

    private void Remove(LiveView view)
    {
        view.Expiry?.Dispose();
        if (_views.TryRemove(new KeyValuePair<string, LiveView>(view.Id, view)))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
