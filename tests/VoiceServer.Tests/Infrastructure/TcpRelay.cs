using System.Net;
using System.Net.Sockets;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// A TCP relay on loopback to one server, which a test can cut (its connections closed, new ones refused) and
/// restore on the same port: a server going away and coming back, without stopping a server other tests share.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private TcpRelay(IPEndPoint target) => _target = target;

    public int Port { get; private set; }

    public static TcpRelay Start(IPEndPoint target)
    {
        var relay = new TcpRelay(target);
        relay.Listen(0);
        return relay;
    }

    /// <summary>Closes every relayed connection and stops listening: the port refuses connections.</summary>
    public async Task CutAsync()
    {
        Socket[] sockets;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            sockets = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        await _accepting;
    }

    /// <summary>Listens again on the same port.</summary>
    public void Restore() => Listen(Port);

    public async ValueTask DisposeAsync() => await CutAsync();

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        // The port is taken again right after the cut, while its old connections may linger in TIME_WAIT.
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
        }

        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(_target);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_gate)
            {
                if (_listener != listener)
                {
                    client.Dispose();
                    server.Dispose();
                    return;
                }

                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var count = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (count == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Cut, or the other side went away.
        }

        // One side ended: end the other, as a direct connection would.
        from.Dispose();
        to.Dispose();
    }
}
