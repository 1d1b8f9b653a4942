using System.Net.WebSockets;

namespace VoiceServer.TwilioEmulator;

internal static class WebSocketIo
{
    // Receive buffer per read; messages larger than this are assembled across reads.
    private const int ReadBufferBytes = 16 * 1024;

    /// <summary>Reads frames until EndOfMessage, refusing to assemble more than <paramref name="maxBytes"/>.</summary>
    public static async Task<WebSocketMessage> ReceiveMessageAsync(WebSocket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[ReadBufferBytes];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new WebSocketMessage(
                    WebSocketMessageType.Close, [], socket.CloseStatus, socket.CloseStatusDescription, TooLarge: false);
            }

            if (message.Length + result.Count > maxBytes)
            {
                return new WebSocketMessage(result.MessageType, [], null, null, TooLarge: true);
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return new WebSocketMessage(result.MessageType, message.ToArray(), null, null, TooLarge: false);
            }
        }
    }

    /// <summary>True for the exceptions that just mean "the peer went away" rather than a bug in the fake.</summary>
    public static bool IsConnectionEnded(Exception exception) =>
        exception is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException;
}
