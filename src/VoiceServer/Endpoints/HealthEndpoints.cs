using System.Globalization;
using VoiceServer.Hosting;

namespace VoiceServer.Endpoints;

internal static class HealthEndpoints
{
    public const string Route = "/health";

    /// <summary>
    /// Cheap and dependency-free: what load balancers and Fly.io probe. 503 <c>draining</c> once shutdown began, so
    /// the proxy stops sending new calls here.
    /// </summary>
    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Route, static (TimeProvider time, CallDrain drain) => TypedResults.Json(
            new HealthResponse(drain.IsDraining ? "draining" : "healthy", "voice-server", time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            HostJsonContext.Default.HealthResponse,
            statusCode: drain.IsDraining ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK));
}
