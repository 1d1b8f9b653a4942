using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace VoiceServer.RealtimeEmulator;

/// <summary>
/// Maps the local Realtime emulator: an OpenAI Realtime (GA) compatible WebSocket endpoint for development and
/// demos, needing no API key. It repeats each caller turn back as audio and answers other response requests with
/// a chime; when the session's instructions hold a script (voice-sim's simulated callers), it speaks its lines in
/// turn instead. Map it only when the operator opts in; the host must call <c>UseWebSockets()</c>.
/// </summary>
public static class RealtimeEmulatorEndpoints
{
    /// <summary>The default route; clients connect to <c>ws://host/local-realtime/v1/realtime?model=…</c>.</summary>
    public const string DefaultPattern = "/local-realtime/v1/realtime";

    /// <summary>
    /// Maps the emulator at <paramref name="pattern"/>. WebSocket requests become Realtime sessions; anything else
    /// gets 400. Any API key header is accepted and ignored. Open sessions are closed with 1001 when the host stops.
    /// </summary>
    public static IEndpointConventionBuilder MapRealtimeEmulator(this IEndpointRouteBuilder endpoints, string pattern = DefaultPattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);

        // Works without AddRealtimeEmulator too: every dependency has a default.
        var services = endpoints.ServiceProvider;
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var handler = new RealtimeEmulatorHandler(
            loggerFactory.CreateLogger(typeof(RealtimeEmulatorEndpoints).Namespace!),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<IOptions<RealtimeEmulatorOptions>>()?.Value ?? new RealtimeEmulatorOptions(),
            services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None);

        return endpoints.Map(pattern, handler.HandleAsync).WithDisplayName("Realtime emulator");
    }
}
