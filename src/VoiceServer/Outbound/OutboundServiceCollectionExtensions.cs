using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VoiceServer.Outbound;

internal static class OutboundServiceCollectionExtensions
{
    /// <summary>
    /// An HTTP client for URLs that a call's configuration names: it connects only to public addresses (or ones
    /// <c>OUTBOUND_ALLOWED_HOSTS</c> lists) and never follows a redirect. Provider clients (Twilio's REST API, the
    /// Realtime socket) go to configured endpoints and do not use it.
    /// </summary>
    public static IHttpClientBuilder AddGuardedHttpClient(this IServiceCollection services, string name)
    {
        services.TryAddSingleton<OutboundConnectionGuard>();
        var builder = services.AddHttpClient(name);
        return builder.ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<OutboundConnectionGuard>().CreateHandler(name));
    }
}
