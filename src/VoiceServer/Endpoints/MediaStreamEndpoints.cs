using VoiceServer.MediaStreams;

namespace VoiceServer.Endpoints;

internal static class MediaStreamEndpoints
{
    public const string Route = "/api/twilio/media-stream";

    public const string TelnyxRoute = "/api/telnyx/media-stream";

    public const string PlivoRoute = "/api/plivo/media-stream";

    public const string VonageRoute = "/api/vonage/media-stream";

    /// <summary>
    /// Twilio's <c>&lt;Connect&gt;&lt;Stream&gt;</c> socket. <c>Map</c>, not <c>MapGet</c>: WebSockets over HTTP/2
    /// arrive as CONNECT.
    /// </summary>
    public static IEndpointConventionBuilder MapMediaStream(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(Route, static (HttpContext context, MediaStreamHandler handler, TwilioCallerProvider provider) => handler.HandleAsync(context, provider));

    /// <summary>Telnyx's <c>&lt;Connect&gt;&lt;Stream&gt;</c> / <c>streaming_start</c> socket, with the same guarantees.</summary>
    public static IEndpointConventionBuilder MapTelnyxMediaStream(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(TelnyxRoute, static (HttpContext context, MediaStreamHandler handler, TelnyxCallerProvider provider) => handler.HandleAsync(context, provider));

    /// <summary>Plivo's <c>&lt;Stream bidirectional="true"&gt;</c> socket, with the same guarantees.</summary>
    public static IEndpointConventionBuilder MapPlivoMediaStream(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(PlivoRoute, static (HttpContext context, MediaStreamHandler handler, PlivoCallerProvider provider) => handler.HandleAsync(context, provider));

    /// <summary>The Vonage NCCO <c>connect</c> action's <c>websocket</c> endpoint, with the same guarantees.</summary>
    public static IEndpointConventionBuilder MapVonageMediaStream(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(VonageRoute, static (HttpContext context, MediaStreamHandler handler, VonageCallerProvider provider) => handler.HandleAsync(context, provider));
}
