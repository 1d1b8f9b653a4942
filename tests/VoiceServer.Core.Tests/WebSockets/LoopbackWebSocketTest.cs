using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace VoiceServer.Core.Tests.WebSockets;

/// <summary>A test with the two ends of one WebSocket over a real TCP connection on 127.0.0.1.</summary>
public abstract class LoopbackWebSocketTest : IAsyncLifetime
{
    private readonly CancellationTokenSource _safetyNet = new(TimeSpan.FromSeconds(30));

    protected WebSocket Client { get; private set; } = null!;

    protected WebSocket Server { get; private set; } = null!;

    /// <summary>Cancels whatever is still waiting after 30 s: a safety net, never the synchronisation.</summary>
    protected CancellationToken SafetyNet => _safetyNet.Token;

    public async Task InitializeAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        Client = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        Server = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Server.Dispose();
        _safetyNet.Dispose();
        return Task.CompletedTask;
    }
}
