using OpenTelemetry.Trace;
using VoiceServer.Diagnostics;

namespace VoiceServer.Hosting;

/// <summary>
/// Traces (docs/operations.md#traces): the calls' spans, the HTTP requests served (the media-stream upgrade, commands)
/// and sent (records, tools, the telephony API, handoffs), exported over OTLP. Off unless
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or its traces-only variant) is set: then no tracer listens, and the call's
/// spans cost a null check each. The exporter reads the standard <c>OTEL_*</c> settings itself.
/// </summary>
internal static class TracingExtensions
{
    /// <summary>The standard settings that turn the export on.</summary>
    public static readonly string[] EndpointSettings = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

    public static void AddTracing(this WebApplicationBuilder builder)
    {
        if (IsExportConfigured(builder.Configuration))
        {
            // The resource (service.name voice-server) is the one the metrics use.
            builder.Services.AddOpenTelemetry().WithTracing(static tracing => tracing.AddVoiceServerTracing().AddOtlpExporter());
        }
    }

    public static bool IsExportConfigured(IConfiguration configuration) =>
        EndpointSettings.Any(name => !string.IsNullOrWhiteSpace(configuration[name]));

    /// <summary>What the server traces, whatever the exporter (the tests use an in-memory one).</summary>
    public static TracerProviderBuilder AddVoiceServerTracing(this TracerProviderBuilder tracing) => tracing
        .AddSource(CallTracing.SourceName)
        // Health checks and scrapes come every few seconds and say nothing about calls. Query values are redacted by
        // the instrumentation (a media-stream URL may carry openAIKey); that default is kept.
        .AddAspNetCoreInstrumentation(static options => options.Filter = static context => !IsProbe(context.Request.Path))
        .AddHttpClientInstrumentation();

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);
}
