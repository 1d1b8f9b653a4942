using VoiceServer.MediaStreams;

namespace VoiceServer.Endpoints;

internal static class MediaStreamEndpoints
{
    public const string Route = "/api/twilio/media-stream";

    /// <summary>
    /// Twilio's <c>&lt;Connect&gt;&lt;Stream&gt;</c> socket. <c>Map</c>, not <c>MapGet</c>: WebSockets over HTTP/2
    /// arrive as CONNECT.
    /// </summary>
    public static IEndpointConventionBuilder MapMediaStream(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(Route, static (HttpContext context, MediaStreamHandler handler) => handler.HandleAsync(context));
}
