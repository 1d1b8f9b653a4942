using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.MediaStreams;
using VoiceServer.Tools;
using VoiceServer.Vonage;

namespace VoiceServer.Hosting;

/// <summary>Vonage callers: settings, call control and the provider behind <c>/api/vonage/media-stream</c>.</summary>
internal static class VonageExtensions
{
    private const string VonageApiClientName = "vonage-api";

    public static void AddVonage(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<VonageOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.SignatureSecret = NullIfEmpty(configuration["VONAGE_SIGNATURE_SECRET"]);
                options.ApplicationId = NullIfEmpty(configuration["VONAGE_APPLICATION_ID"]);
                // A PEM in one environment variable often has its line breaks written as \n.
                options.PrivateKey = NullIfEmpty(configuration["VONAGE_PRIVATE_KEY"])?.Replace("\\n", "\n", StringComparison.Ordinal);
                options.ApiBaseUrl = NullIfEmpty(configuration["VONAGE_API_BASE_URL"]) is { } text
                    ? Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                        ? url
                        : throw new OptionsValidationException("VONAGE_API_BASE_URL", typeof(VonageOptions), ["VONAGE_API_BASE_URL must be an absolute http(s) URL."])
                    : null;
            })
            .Validate(
                static options => (options.ApplicationId is null) == (options.PrivateKey is null),
                "VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY go together: both for call control, or neither.")
            .Validate(
                static options => options.ApplicationId is null || Guid.TryParse(options.ApplicationId, out _),
                "VONAGE_APPLICATION_ID must be the application's id as the Vonage dashboard shows it (a UUID).")
            .Validate(
                static options => options.PrivateKey is null || IsRsaPrivateKey(options.PrivateKey),
                "VONAGE_PRIVATE_KEY must be the application's RSA private key in PEM form.")
            .ValidateOnStart();
        // Vonage's API answers at a fixed host (or the configured one): no redirects to follow.
        services.AddHttpClient(VonageApiClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<VonageOptions>>().Value;
            ICallControl callControl = options is { ApplicationId: { } applicationId, PrivateKey: { } privateKey }
                ? new VonageCallControl(
                    applicationId,
                    privateKey,
                    provider.GetRequiredService<IHttpClientFactory>().CreateClient(VonageApiClientName),
                    options.ApiBaseUrl,
                    provider.GetRequiredService<TimeProvider>())
                : NoCallControl.Instance;
            return ActivatorUtilities.CreateInstance<VonageCallerProvider>(provider, callControl);
        });
    }

    private static bool IsRsaPrivateKey(string pem)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
