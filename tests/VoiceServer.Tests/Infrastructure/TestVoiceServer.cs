using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using VoiceServer.Calls;
using VoiceServer.Hosting;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// The real server (same <see cref="VoiceServerApplication.Build"/> as Program) on Kestrel at 127.0.0.1 with an
/// ephemeral port, its settings overridden, every log line captured. Its tools and call records may reach
/// 127.0.0.1, where the fake receivers listen, unless a test sets <c>OUTBOUND_ALLOWED_HOSTS</c> itself.
/// </summary>
public sealed class TestVoiceServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private Task? _stopping;

    private TestVoiceServer(WebApplication app, CapturedLogs logs)
    {
        _app = app;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public Uri BaseAddress { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    internal CallRegistry Calls => _app.Services.GetRequiredService<CallRegistry>();

    public static async Task<TestVoiceServer> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        TimeProvider? timeProvider = null,
        string[]? args = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var logs = new CapturedLogs();
        var app = VoiceServerApplication.Build(
            ["--urls=http://127.0.0.1:0", .. args ?? []],
            builder =>
            {
                // Everything at Trace, ASP.NET Core included: only the server's own rules may silence a category.
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Logging:LogLevel:Default"] = "Trace",
                    ["Logging:LogLevel:Microsoft"] = "Trace",
                    ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                    // A test that leaves a call alive should not hold the host's shutdown for the production drain.
                    ["DRAIN_TIMEOUT"] = "5",
                    // The fakes are internal addresses, which the outbound guard refuses unless listed.
                    ["OUTBOUND_ALLOWED_HOSTS"] = "127.0.0.1",
                });
                builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
                builder.Logging.ClearProviders();
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                builder.Logging.AddProvider(logs);
                if (timeProvider is not null)
                {
                    builder.Services.AddSingleton(timeProvider);
                }

                services?.Invoke(builder.Services);
            });
        await app.StartAsync(cancellationToken);
        return new TestVoiceServer(app, logs);
    }

    /// <summary>The media-stream URL as a WebSocket address, with an optional raw query string.</summary>
    public Uri MediaStreamUrl(string? query = null)
    {
        var builder = new UriBuilder(BaseAddress) { Scheme = "ws", Path = "/api/twilio/media-stream" };
        if (!string.IsNullOrEmpty(query))
        {
            builder.Query = query;
        }

        return builder.Uri;
    }

    public Uri HttpUrl(string path) => new(BaseAddress, path);

    /// <summary>Waits until no call is alive: every socket, task and buffer of every call released.</summary>
    public Task WaitForNoCallsAsync(CancellationToken cancellationToken) => Calls.WaitUntilEmptyAsync(cancellationToken);

    /// <summary>Waits for the n-th (1-based) "call ended" log line.</summary>
    public Task<CapturedLogEntry> WaitForCallEndAsync(CancellationToken cancellationToken, int count = 1)
    {
        var seen = 0;
        return Logs.WaitForAsync(e => e.EventName == "CallEnded" && ++seen >= count, cancellationToken);
    }

    /// <summary>Waits until the server has logged <paramref name="count"/> events of that name (a server-side sync point).</summary>
    public Task WaitForLogCountAsync(string eventName, int count, CancellationToken cancellationToken)
    {
        var seen = 0;
        return Logs.WaitForAsync(e => e.EventName == eventName && ++seen >= count, cancellationToken);
    }

    /// <summary>What SIGTERM does: the drain, then the server stops. Completes when the host has stopped.</summary>
    public Task StopAsync() => _stopping ??= _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
