using System.Globalization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using VoiceServer.CallRecords;
using VoiceServer.Calls;
using VoiceServer.Configuration;
using VoiceServer.Diagnostics;
using VoiceServer.Handoffs;
using VoiceServer.Legs;
using VoiceServer.LiveCalls;
using VoiceServer.MediaStreams;
using VoiceServer.OpenAI;
using VoiceServer.Outbound;
using VoiceServer.Records;
using VoiceServer.Telephony;
using VoiceServer.Tools;
using VoiceServer.Twilio;
using VoiceServer.Webhooks;

namespace VoiceServer.Hosting;

internal static class HostingExtensions
{
    public const int DefaultPort = 8080;

    private const string TwilioApiClientName = "twilio-api";

    /// <summary>
    /// Listens on all interfaces on <c>PORT</c> (default 8080), as Fly.io expects; an explicit
    /// <c>ASPNETCORE_URLS</c> or <c>--urls</c> wins.
    /// </summary>
    public static void ListenOnPort(this WebApplicationBuilder builder)
    {
        if (ResolveListenUrl(builder.Configuration["urls"], builder.Configuration["PORT"]) is { } url)
        {
            builder.WebHost.UseUrls(url);
        }
    }

    /// <summary>Null when explicit URLs are configured; otherwise the all-interfaces URL for the port.</summary>
    public static string? ResolveListenUrl(string? configuredUrls, string? port)
    {
        if (!string.IsNullOrWhiteSpace(configuredUrls))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(port))
        {
            return $"http://+:{DefaultPort}";
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new InvalidOperationException($"PORT must be a TCP port number (1-65535), not '{port}'.");
        }

        return $"http://+:{number}";
    }

    /// <summary>
    /// ASP.NET Core's request-start log line prints the full URL, query string included, and a query string may
    /// carry <c>openAIKey</c>. That category is capped at Warning here, after configuration, so no setting turns it on.
    /// </summary>
    public static void AddSecretSafeLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.None);
        // HttpClient's own lines print request URLs; a callbackUrl may carry the receiver's token in its query.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
    }

    private sealed class PassThroughHandler : DelegatingHandler;

    public static void AddCalls(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton(static provider => new VoiceServerMetrics(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>())
        {
            CallLimit = provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value.MaxConcurrentCalls,
        });
        services.AddOpenTelemetry()
            .ConfigureResource(static resource => resource.AddService("voice-server"))
            .WithMetrics(static metrics => metrics
            .AddMeter(VoiceServerMetrics.MeterName)
            // The runtime's own meter: GC heap, allocations, thread pool, lock contention, beside the calls' figures.
            .AddMeter("System.Runtime")
            // Three of its gauges end in ".count", which Prometheus reserves for histograms (promtool flags them);
            // none says anything about calls.
            .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.timer.count", MetricStreamConfiguration.Drop)
            // The thread-pool's thread count says something about load: kept, renamed, since SDK 1.21.0 exports it as a
            // gauge ending in _count, which Prometheus reserves for histograms.
            .AddView("dotnet.thread_pool.thread.count", new MetricStreamConfiguration { Name = "dotnet.thread_pool.threads" })
            .AddPrometheusExporter(static exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddSingleton<CallRegistry>();
        services.AddSingleton<IRealtimeEndpoint, ConfiguredRealtimeEndpoint>();
        services.AddSingleton<IModelConnector, RealtimeConnector>();
        services.AddSingleton<OriginPolicy>();
        services.AddSingleton<MediaStreamHandler>();
        services.AddSingleton<TwilioCallerProvider>();
        services.AddSingleton<CallDrain>();
        services.AddHostedService(static provider => provider.GetRequiredService<CallDrain>());
        // Records and tools go to URLs a call names: internal addresses are refused and redirects not followed.
        services.AddGuardedHttpClient(CallRecordDispatcher.HttpClientName);
        services.AddGuardedHttpClient(WebhookToolRunner.HttpClientName);
        services.AddSingleton<IToolRunner, WebhookToolRunner>();
        // Handoff destinations come from the main app named by a call's signed configuration, under the same guard.
        services.AddGuardedHttpClient(HttpHandoffFetcher.HttpClientName);
        services.AddSingleton<HttpHandoffFetcher>();
        services.AddHttpClient(TwilioApiClientName).AddHttpMessageHandler(static provider =>
            provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value.TwilioApiBaseUrl is { } baseUrl
                ? new ApiBaseUrlHandler(baseUrl)
                : new PassThroughHandler());
        services.AddSingleton<ICallControl>(static provider =>
            provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value is { TwilioAccountSid: { } accountSid, TwilioAuthToken: { } authToken }
                ? new TwilioCallControl(accountSid, authToken, provider.GetRequiredService<IHttpClientFactory>().CreateClient(TwilioApiClientName))
                : NoCallControl.Instance);
        services.AddSingleton(static provider => new CallServices(
            provider.GetRequiredService<ICallRecordSink>(),
            provider.GetRequiredService<IToolRunner>(),
            provider.GetRequiredService<ICallControl>(),
            // Operators' commands are signed with a key derived from CONFIG_SIGNING_KEY; without it no call is listed.
            Directory: provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value.ConfigSigningKey is null ? null : provider.GetRequiredService<LiveCallDirectory>(),
            // Handoffs are signed with a key derived from CONFIG_SIGNING_KEY too, and only signed calls name destinations.
            Handoffs: provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value.ConfigSigningKey is null ? null : provider.GetRequiredService<HttpHandoffFetcher>()));
        services.AddSingleton<CallRecordDispatcher>();
        services.AddSingleton<ICallRecordSink>(static provider => provider.GetRequiredService<CallRecordDispatcher>());
        services.AddHostedService(static provider => provider.GetRequiredService<CallRecordDispatcher>());
        // The host waits for the drain, plus time for the last calls' close handshakes.
        services.AddOptions<HostOptions>()
            .Configure<IOptions<VoiceServerOptions>>(static (host, voice) => host.ShutdownTimeout = TimeSpan.FromSeconds(voice.Value.DrainTimeoutSeconds + 15));
    }
}
