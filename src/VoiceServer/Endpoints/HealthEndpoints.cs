using System.Globalization;

namespace VoiceServer.Endpoints;

internal static class HealthEndpoints
{
    public const string Route = "/health";

    /// <summary>Cheap and dependency-free: what load balancers and Fly.io probe.</summary>
    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Route, static (TimeProvider time) => TypedResults.Json(
            new HealthResponse("healthy", "voice-server", time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            HostJsonContext.Default.HealthResponse));
}
