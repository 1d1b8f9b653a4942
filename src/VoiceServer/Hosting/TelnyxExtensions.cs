using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.MediaStreams;
using VoiceServer.Telnyx;
using VoiceServer.Tools;

namespace VoiceServer.Hosting;

/// <summary>Telnyx callers: settings, call control and the provider behind <c>/api/telnyx/media-stream</c>.</summary>
internal static class TelnyxExtensions
{
    private const string TelnyxApiClientName = "telnyx-api";

    public static void AddTelnyx(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelnyxOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.ApiKey = NullIfEmpty(configuration["TELNYX_API_KEY"]);
                options.StreamAuthToken = NullIfEmpty(configuration["TELNYX_STREAM_AUTH_TOKEN"]);
                options.ApiBaseUrl = NullIfEmpty(configuration["TELNYX_API_BASE_URL"]) is { } apiBase
                    ? Uri.TryCreate(apiBase, UriKind.Absolute, out var apiBaseUri) && apiBaseUri.Scheme is "http" or "https"
                        ? apiBaseUri
                        : throw new OptionsValidationException("TELNYX_API_BASE_URL", typeof(TelnyxOptions), ["TELNYX_API_BASE_URL must be an absolute http(s) URL."])
                    : null;
            })
            .ValidateOnStart();
        // Telnyx's API answers at a fixed host (or the configured one): no redirects to follow.
        services.AddHttpClient(TelnyxApiClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<TelnyxOptions>>().Value;
            ICallControl callControl = options.ApiKey is { } apiKey
                ? new TelnyxCallControl(apiKey, provider.GetRequiredService<IHttpClientFactory>().CreateClient(TelnyxApiClientName), options.ApiBaseUrl)
                : NoCallControl.Instance;
            return ActivatorUtilities.CreateInstance<TelnyxCallerProvider>(provider, callControl);
        });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
