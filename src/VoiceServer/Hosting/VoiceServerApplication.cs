using VoiceServer.Configuration;
using VoiceServer.Diagnostics;
using VoiceServer.Endpoints;
using VoiceServer.LiveCalls;
using VoiceServer.LocalEmulator;
using VoiceServer.Playground;
using VoiceServer.Webhooks;

namespace VoiceServer.Hosting;

/// <summary>The table of contents of the server: what it adds and what it maps. Tests build the same app.</summary>
internal static class VoiceServerApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(LocalEmulatorExtensions.TranslateFlag(args));
        builder.ListenOnPort();
        builder.AddSecretSafeLogging();
        builder.AddVoiceServerOptions();
        builder.AddCalls();
        builder.AddTracing();
        builder.AddLiveCalls();
        builder.AddTelnyx();
        builder.AddPlivo();
        builder.AddVonage();
        builder.AddLocalRealtimeEmulator();
        builder.AddPlayground();
        configure?.Invoke(builder);

        var app = builder.Build();
        // The instruments exist from start-up: a scrape before the first call shows 0 active calls and the limit.
        app.Services.GetRequiredService<VoiceServerMetrics>();
        app.AnnounceOpenSettings();
        app.UseWebSockets();
        app.UseCors();
        app.MapHealth();
        app.MapMetrics();
        app.MapMediaStream();
        app.MapTelnyxMediaStream();
        app.MapPlivoMediaStream();
        app.MapLiveCallCommands();
        app.MapVonageMediaStream();
        app.MapLocalRealtimeEmulator();
        app.MapPlayground();
        app.Lifetime.ApplicationStarted.Register(() => WebhookToolRunner.WarnIfUnsigned(app.Services));
        return app;
    }
}
