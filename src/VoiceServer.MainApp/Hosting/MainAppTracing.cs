using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace VoiceServer.MainApp.Hosting;

/// <summary>
/// Traces of the main app (docs/operations.md#traces): the requests it serves (the providers' voice webhooks, the call
/// records the voice server POSTs, the admin API) and sends (the telephony APIs, live-call commands), exported over OTLP.
/// Off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or its traces-only variant) is set; the exporter reads the standard
/// <c>OTEL_*</c> settings itself. A voice webhook's span is the parent of the call's span on the voice server: its
/// <c>traceparent</c> travels in the call's configuration (<see cref="Webhooks.AgentCallConfiguration"/>).
/// </summary>
internal static class MainAppTracing
{
    public const string ServiceName = "voice-server-main-app";

    /// <summary>The standard settings that turn the export on.</summary>
    private static readonly string[] s_endpointSettings = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

    public static void AddTracing(this WebApplicationBuilder builder)
    {
        if (s_endpointSettings.Any(name => !string.IsNullOrWhiteSpace(builder.Configuration[name])))
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(static resource => resource.AddService(ServiceName))
                .WithTracing(static tracing => tracing.AddMainAppTracing().AddOtlpExporter());
        }
    }

    /// <summary>What the main app traces, whatever the exporter (the tests use an in-memory one).</summary>
    public static TracerProviderBuilder AddMainAppTracing(this TracerProviderBuilder tracing) => tracing
        // Health checks come every few seconds and say nothing about calls. Query values are redacted by the
        // instrumentation; that default is kept.
        .AddAspNetCoreInstrumentation(static options => options.Filter = static context => !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        .AddHttpClientInstrumentation();
}
