using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace VoiceServer.LoadTest;

/// <summary>Whole messages from a <see cref="WebSocket"/>, for the floor relay and the set-up probes.</summary>
internal static class WholeMessage
{
    /// <summary>
    /// Receives one message into <paramref name="buffer"/> (what does not fit is cut off): its length, or -1 once the
    /// peer has sent its close frame.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<int> ReceiveAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            length += result.Count;
        }
        while (!result.EndOfMessage && length < buffer.Length);

        return result.MessageType == WebSocketMessageType.Close ? -1 : length;
    }
}
