using System.Net;

namespace VoiceServer.TwilioEmulator;

/// <summary>The server answered the WebSocket upgrade with an HTTP status other than 101.</summary>
public sealed class WebSocketUpgradeRefusedException : Exception
{
    public WebSocketUpgradeRefusedException()
    {
    }

    public WebSocketUpgradeRefusedException(string message)
        : base(message)
    {
    }

    public WebSocketUpgradeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WebSocketUpgradeRefusedException(HttpStatusCode statusCode, Exception? innerException)
        : base($"The server refused the WebSocket upgrade with HTTP {(int)statusCode} ({statusCode}).", innerException)
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode StatusCode { get; }
}
