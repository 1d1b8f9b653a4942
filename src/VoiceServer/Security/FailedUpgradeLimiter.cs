using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;

namespace VoiceServer.Security;

/// <summary>
/// Per-client limit on refused media-stream requests (bad origin, bad signature, bad parameters): past
/// <c>FAILED_UPGRADES_PER_MINUTE</c> in a one-minute window, the client gets 429 before any further work, so a
/// scanner cannot burn CPU. The client is the connection's remote address, or the value of <c>CLIENT_IP_HEADER</c>
/// when a trusted proxy sets one (Fly.io: <c>Fly-Client-IP</c>).
/// </summary>
internal sealed class FailedUpgradeLimiter(IOptions<VoiceServerOptions> options, TimeProvider timeProvider)
{
    private static readonly TimeSpan s_window = TimeSpan.FromMinutes(1);

    // Bounds the memory a flood of distinct addresses can take; stale windows are swept past this size.
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public string ClientOf(HttpContext context) =>
        options.Value.ClientIpHeader is { } header && context.Request.Headers[header].ToString() is { Length: > 0 } forwarded
            ? forwarded
            : context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>True while the client has used up its refusals for the current window.</summary>
    public bool IsBlocked(string client) =>
        _windows.TryGetValue(client, out var window) && !IsOver(window) && window.Failures >= options.Value.FailedUpgradesPerMinute;

    public void RecordFailure(string client)
    {
        if (_windows.Count > SweepAbove)
        {
            foreach (var (key, window) in _windows)
            {
                if (IsOver(window))
                {
                    _windows.TryRemove(key, out _);
                }
            }
        }

        var now = timeProvider.GetTimestamp();
        _windows.AddOrUpdate(
            client,
            static (_, now) => new Window(now, 1),
            (_, window, now) => IsOver(window) ? new Window(now, 1) : window with { Failures = window.Failures + 1 },
            now);
    }

    private bool IsOver(Window window) => timeProvider.GetElapsedTime(window.StartedAt) >= s_window;

    private readonly record struct Window(long StartedAt, int Failures);
}
