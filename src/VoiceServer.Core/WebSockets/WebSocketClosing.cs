using System.Net.WebSockets;
using System.Text;

namespace VoiceServer.WebSockets;

/// <summary>Bounded close handshakes: send our close frame, give the peer a moment, then abort.</summary>
public static class WebSocketClosing
{
    // RFC 6455: the close reason must fit in 123 bytes of UTF-8 after the 2-byte status code.
    private const int MaxCloseDescriptionBytes = 123;

    /// <summary>Sends a close frame if the socket can still send one. Never throws.</summary>
    public static async Task CloseOutputAsync(WebSocket socket, WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            await socket.CloseOutputAsync(status, Truncate(description), cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Timed out, already failed, or a send still in flight: no graceful close is possible.
            socket.Abort();
        }
    }

    /// <summary>Cuts a close reason to the protocol's limit without splitting a character.</summary>
    public static string Truncate(string description)
    {
        if (Encoding.UTF8.GetByteCount(description) <= MaxCloseDescriptionBytes)
        {
            return description;
        }

        var length = Math.Min(description.Length, MaxCloseDescriptionBytes);
        while (length > 0 && Encoding.UTF8.GetByteCount(description.AsSpan(0, length)) > MaxCloseDescriptionBytes - 3)
        {
            length--;
        }

        return string.Concat(description.AsSpan(0, length), "...");
    }
}
