using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Outbound;

/// <summary>
/// Each agent's outbound limits (<see cref="AgentOutbound.CallsPerMinute"/>, <see cref="AgentOutbound.MaxConcurrentCalls"/>),
/// counted in this process: a slot is taken before Twilio is asked, kept while the call lasts, and given back when
/// Twilio's status callback says the call ended (or at once when Twilio refused to place it).
/// </summary>
internal sealed class OutboundCallLimiter(TimeProvider timeProvider)
{
    private static readonly TimeSpan s_window = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Twilio ends any call after four hours: a slot whose status callback never came (lost, or refused) is given back
    /// then, so a lost callback cannot block an agent for good.
    /// </summary>
    private static readonly TimeSpan s_longestCall = TimeSpan.FromHours(4);

    /// <summary>When a concurrent slot frees up is not known in advance: a caller is told to try again after this.</summary>
    private static readonly TimeSpan s_concurrentRetryAfter = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly Dictionary<string, AgentCalls> _agents = new(StringComparer.Ordinal);

    /// <summary>Takes a slot for one call of <paramref name="agentId"/>, or says how long to wait before asking again.</summary>
    public bool TryTake(string agentId, AgentOutbound limits, out Slot? slot, out TimeSpan retryAfter)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            var calls = Calls(agentId, now);
            slot = null;
            retryAfter = TimeSpan.Zero;
            if (calls.Placed.Count >= limits.CallsPerMinute)
            {
                retryAfter = calls.Placed.Peek() + s_window - now;
                return false;
            }

            if (calls.Active.Count >= limits.MaxConcurrentCalls)
            {
                retryAfter = s_concurrentRetryAfter;
                return false;
            }

            slot = new Slot(agentId, now);
            calls.Placed.Enqueue(now);
            calls.Active.Add(slot);
            return true;
        }
    }

    /// <summary>The call of <paramref name="slot"/> has its CallSid: its end can be reported by that.</summary>
    public void Bind(Slot slot, string callSid)
    {
        lock (_gate)
        {
            slot.CallSid = callSid;
        }
    }

    /// <summary>The call was never placed: its concurrent slot is free again (the attempt still counts per minute).</summary>
    public void Release(Slot slot)
    {
        lock (_gate)
        {
            if (_agents.TryGetValue(slot.AgentId, out var calls))
            {
                calls.Active.Remove(slot);
            }
        }
    }

    /// <summary>The call <paramref name="callSid"/> of <paramref name="agentId"/> ended.</summary>
    public void Ended(string agentId, string callSid)
    {
        lock (_gate)
        {
            if (_agents.TryGetValue(agentId, out var calls) && calls.Active.Find(slot => slot.CallSid == callSid) is { } slot)
            {
                calls.Active.Remove(slot);
            }
        }
    }

    private AgentCalls Calls(string agentId, DateTimeOffset now)
    {
        if (!_agents.TryGetValue(agentId, out var calls))
        {
            calls = new AgentCalls();
            _agents[agentId] = calls;
        }

        while (calls.Placed.TryPeek(out var placed) && placed + s_window <= now)
        {
            calls.Placed.Dequeue();
        }

        calls.Active.RemoveAll(slot => slot.TakenAt + s_longestCall <= now);
        return calls;
    }

    /// <summary>One outbound call's place in its agent's limits.</summary>
    internal sealed class Slot(string agentId, DateTimeOffset takenAt)
    {
        public string AgentId { get; } = agentId;

        public DateTimeOffset TakenAt { get; } = takenAt;

        public string? CallSid { get; set; }
    }

    private sealed class AgentCalls
    {
        public Queue<DateTimeOffset> Placed { get; } = new();

        public List<Slot> Active { get; } = [];
    }
}
