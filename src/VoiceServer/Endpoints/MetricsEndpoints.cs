using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.Security;

namespace VoiceServer.Endpoints;

internal static class MetricsEndpoints
{
    public const string Route = "/metrics";

    /// <summary>
    /// Prometheus text at <c>/metrics</c>. With <c>METRICS_BEARER_TOKEN</c> set, the check runs inside the endpoint's
    /// own pipeline, so it guards whatever spelling routing matched (<c>/METRICS</c>, <c>/metrics/</c>): 401 without
    /// the token.
    /// </summary>
    public static void MapMetrics(this WebApplication app)
    {
        var token = app.Services.GetRequiredService<IOptions<VoiceServerOptions>>().Value.MetricsBearerToken;
        app.MapPrometheusScrapingEndpoint(
            path: Route,
            meterProvider: null,
            configureBranchedPipeline: token is null ? null : branch => branch.Use((context, next) => RequireToken(context, next, token)),
            optionsName: null);
    }

    private static Task RequireToken(HttpContext context, RequestDelegate next, string token)
    {
        if (BearerToken.IsPresented(context.Request, token))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
