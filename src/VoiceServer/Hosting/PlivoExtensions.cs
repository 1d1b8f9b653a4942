using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.MediaStreams;
using VoiceServer.Plivo;
using VoiceServer.Tools;

namespace VoiceServer.Hosting;

/// <summary>Plivo callers: settings, call control and the provider behind <c>/api/plivo/media-stream</c>.</summary>
internal static class PlivoExtensions
{
    private const string PlivoApiClientName = "plivo-api";

    public static void AddPlivo(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PlivoOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.AuthId = NullIfEmpty(configuration["PLIVO_AUTH_ID"]);
                options.AuthToken = NullIfEmpty(configuration["PLIVO_AUTH_TOKEN"]);
                options.ApiBaseUrl = ReadUrl(configuration, "PLIVO_API_BASE_URL", static url => url.Scheme is "http" or "https", "an absolute http(s) URL");
                options.TransferUrl = ReadUrl(configuration, "PLIVO_TRANSFER_URL", static url => url.Scheme == "https" && string.IsNullOrEmpty(url.Query), "an absolute https URL without a query");
            })
            .Validate<IOptions<VoiceServerOptions>>(
                static (options, voice) => options.AuthToken is null ||
                    (Uri.TryCreate(voice.Value.PublicBaseUrl, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme == "wss" && publicUrl.AbsolutePath == "/" && string.IsNullOrEmpty(publicUrl.Query)),
                "PLIVO_AUTH_TOKEN needs PUBLIC_BASE_URL: the public wss:// origin of the <Stream> URL, e.g. wss://voice-server.fly.dev (no path, no query).")
            .Validate(
                static options => options.AuthId is null || (options.AuthId.Length <= 64 && options.AuthId.All(char.IsAsciiLetterOrDigit)),
                "PLIVO_AUTH_ID must be the Auth ID as Plivo's console shows it (letters and digits).")
            .ValidateOnStart();
        // Plivo's API answers at a fixed host (or the configured one): no redirects to follow.
        services.AddHttpClient(PlivoApiClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<PlivoOptions>>().Value;
            ICallControl callControl = options is { AuthId: { } authId, AuthToken: { } authToken }
                ? new PlivoCallControl(authId, authToken, provider.GetRequiredService<IHttpClientFactory>().CreateClient(PlivoApiClientName), options.TransferUrl, options.ApiBaseUrl)
                : NoCallControl.Instance;
            return ActivatorUtilities.CreateInstance<PlivoCallerProvider>(provider, callControl);
        });
    }

    private static Uri? ReadUrl(IConfiguration configuration, string name, Func<Uri, bool> isAcceptable, string expected) =>
        NullIfEmpty(configuration[name]) is { } text
            ? Uri.TryCreate(text, UriKind.Absolute, out var url) && isAcceptable(url)
                ? url
                : throw new OptionsValidationException(name, typeof(PlivoOptions), [$"{name} must be {expected}."])
            : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
