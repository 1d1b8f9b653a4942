using Microsoft.AspNetCore.Http.Features;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Kestrel's HTTP/1.1 upgrade with the upgraded transport wrapped in a <see cref="WriteCoalescingStream"/>, so the
/// WebSocket that ASP.NET Core builds on it (handshake and framing unchanged) can send a chunk and its mark in one
/// write. Installed before the WebSocket middleware, which captures the upgrade feature it finds.
/// </summary>
internal sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature upgrade) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => upgrade.IsUpgradableRequest;

    /// <summary>The wrapped transport once the request is upgraded.</summary>
    public WriteCoalescingStream? Transport { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Transport = new WriteCoalescingStream(await upgrade.UpgradeAsync());
        return Transport;
    }

    /// <summary>The coalescing transport of an upgraded request, if it has one (HTTP/2 WebSockets do not).</summary>
    public static WriteCoalescingStream? TransportOf(HttpContext context) =>
        (context.Features.Get<IHttpUpgradeFeature>() as CoalescingUpgradeFeature)?.Transport;
}

internal static class CoalescingUpgradeExtensions
{
    /// <summary>
    /// Upgrades get a transport that can coalesce writes; must run before UseWebSockets. Only the media stream asks
    /// for holds: other sockets write straight through.
    /// </summary>
    public static IApplicationBuilder UseCoalescingUpgrades(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                context.Features.Set<IHttpUpgradeFeature>(new CoalescingUpgradeFeature(upgrade));
            }

            return next(context);
        });
}
