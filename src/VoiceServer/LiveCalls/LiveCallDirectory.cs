using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using VoiceServer.Calls;

namespace VoiceServer.LiveCalls;

/// <summary>
/// The calls this instance holds that operators may command, by CallSid. Whoever carries commands across instances
/// (<see cref="RedisCallCommandChannel"/>) follows it through <see cref="Listed"/> and <see cref="Unlisted"/>, which are
/// raised in the order the calls come and go.
/// </summary>
internal sealed class LiveCallDirectory : ICallDirectory
{
    private readonly ConcurrentDictionary<string, CallSession> _calls = new(StringComparer.Ordinal);

    public event Action<string>? Listed;

    public event Action<string>? Unlisted;

    public int Count => _calls.Count;

    public bool TryList(string callSid, CallSession session, [NotNullWhen(true)] out IDisposable? listing)
    {
        if (!_calls.TryAdd(callSid, session))
        {
            listing = null;
            return false;
        }

        Listed?.Invoke(callSid);
        listing = new Listing(this, callSid, session);
        return true;
    }

    public bool TryGet(string callSid, [NotNullWhen(true)] out CallSession? session) => _calls.TryGetValue(callSid, out session);

    private void Unlist(string callSid, CallSession session)
    {
        // Only this session's entry: the id is never listed twice at once, but the pair makes that not matter.
        if (_calls.TryRemove(new KeyValuePair<string, CallSession>(callSid, session)))
        {
            Unlisted?.Invoke(callSid);
        }
    }

    private sealed class Listing(LiveCallDirectory directory, string callSid, CallSession session) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                directory.Unlist(callSid, session);
            }
        }
    }
}
