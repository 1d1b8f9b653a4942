using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.Configuration;

namespace VoiceServer.Hosting;

/// <summary>
/// Shutdown is a drain: on SIGTERM the server reports draining and refuses new calls at once, lets live calls run
/// until they end or <c>DRAIN_TIMEOUT</c> passes, then ends the rest with 1001 (server shutdown).
/// </summary>
/// <remarks>
/// It runs in <see cref="IHostedLifecycleService.StoppingAsync"/>, before Kestrel stops listening, so health checks
/// and refused upgrades are answered while the drain lasts.
/// </remarks>
internal sealed partial class CallDrain(
    CallRegistry registry,
    IOptions<VoiceServerOptions> options,
    TimeProvider timeProvider,
    ILogger<CallDrain> logger) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _callsEnding = new();
    private volatile bool _draining;

    /// <summary>True from the moment the server was asked to stop.</summary>
    public bool IsDraining => _draining;

    /// <summary>Cancelled when the calls still alive must end (the drain timed out).</summary>
    public CancellationToken CallsEnding => _callsEnding.Token;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var timeout = TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds);
        // The deadline is set before the line is logged, so the line means the clock is running.
        using var drainTimeout = new CancellationTokenSource(timeout, timeProvider);
        Log.Draining(logger, registry.ActiveCount, (int)timeout.TotalSeconds);
        using var drainOrHost = CancellationTokenSource.CreateLinkedTokenSource(drainTimeout.Token, cancellationToken);
        try
        {
            await registry.WaitUntilEmptyAsync(drainOrHost.Token);
            Log.Drained(logger);
            return;
        }
        catch (OperationCanceledException)
        {
            Log.DrainTimedOut(logger, registry.ActiveCount);
        }

        // Each call closes both sockets with a bounded handshake; the host's own shutdown timeout caps the wait.
        await _callsEnding.CancelAsync();
        try
        {
            await registry.WaitUntilEmptyAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Log.CallsAbandoned(logger, registry.ActiveCount);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _callsEnding.Dispose();

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Warning, "Draining: {ActiveCalls} call(s) alive, new calls refused, up to {DrainSeconds} s before the rest are ended.")]
        public static partial void Draining(ILogger logger, int activeCalls, int drainSeconds);

        [LoggerMessage(401, LogLevel.Information, "Drained: no call alive.")]
        public static partial void Drained(ILogger logger);

        [LoggerMessage(402, LogLevel.Warning, "Drain timeout: ending {ActiveCalls} call(s) with 1001.")]
        public static partial void DrainTimedOut(ILogger logger, int activeCalls);

        [LoggerMessage(403, LogLevel.Error, "Shutdown timeout: {ActiveCalls} call(s) still closing were abandoned.")]
        public static partial void CallsAbandoned(ILogger logger, int activeCalls);
    }
}
