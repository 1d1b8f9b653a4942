using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace VoiceServer.RealtimeEmulator.Tests.EndToEnd;

/// <summary>The emulator mapped on a real Kestrel host on loopback, the way voice-server maps it.</summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri baseUri, FakeLogCollector logs)
    {
        _app = app;
        BaseUri = baseUri;
        Logs = logs;
    }

    public Uri BaseUri { get; }

    public FakeLogCollector Logs { get; }

    public Uri RealtimeUri(string model = "gpt-realtime") =>
        new($"ws://{BaseUri.Authority}{RealtimeEmulatorEndpoints.DefaultPattern}?model={model}");

    public static async Task<EmulatorHost> StartAsync(CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null)
    {
        var logs = new FakeLogCollector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(new FakeLoggerProvider(logs));
        builder.Services.AddRealtimeEmulator();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseWebSockets();
        app.MapRealtimeEmulator();
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new EmulatorHost(app, new Uri(address), logs);
    }

    /// <summary>Stops the host, waiting for open sessions to finish: every log line is written after this.</summary>
    public async Task StopAsync(CancellationToken cancellationToken) => await _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
