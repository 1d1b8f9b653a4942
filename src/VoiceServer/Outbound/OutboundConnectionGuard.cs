using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;

namespace VoiceServer.Outbound;

/// <summary>
/// The connections of the HTTP clients that POST to URLs a call's configuration names (webhook tools, call
/// records): the host is resolved here, every address that is not public is refused unless
/// <c>OUTBOUND_ALLOWED_HOSTS</c> lists it, and the socket connects only to an address that passed, so a name that
/// resolves differently a moment later (DNS rebinding) cannot slip through. Redirects are never followed: a signed
/// request must not be re-sent to wherever a 3xx points.
/// </summary>
internal sealed partial class OutboundConnectionGuard(IOptions<OutboundOptions> options, ILogger<OutboundConnectionGuard> logger)
{
    private readonly OutboundAllowList _allowList = options.Value.AllowList;

    /// <summary>The primary handler of the client named <paramref name="clientName"/>.</summary>
    public SocketsHttpHandler CreateHandler(string clientName) => new()
    {
        AllowAutoRedirect = false,
        // Through a proxy the socket would lead to the proxy, and the destination's address would go unchecked.
        UseProxy = false,
        UseCookies = false,
        // HTTP/3 would bypass the callback; requests here are HTTP/1.1 (HttpClient's default version).
        ConnectCallback = (context, cancellationToken) => ConnectAsync(clientName, context.DnsEndPoint, cancellationToken),
    };

    public async ValueTask<Stream> ConnectAsync(string clientName, DnsEndPoint destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var host = destination.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var hostListed = literal is null && _allowList.AllowsHostName(host);
        var permitted = hostListed
            ? addresses
            : Array.FindAll(addresses, address => _allowList.AllowsAddress(address) || AddressClassifier.Classify(address) == AddressRange.Public);
        if (permitted.Length == 0)
        {
            var refused = string.Join(", ", addresses.Select(static address => $"{address} ({AddressClassifier.Classify(address).ToName()})"));
            Log.OutboundConnectionRefused(logger, host, destination.Port, clientName, refused);
            throw new OutboundAddressRefusedException($"{host} resolves only to addresses that are not public: {refused}");
        }

        ExceptionDispatchInfo? lastFailure = null;
        foreach (var address in permitted)
        {
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, destination.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastFailure = ExceptionDispatchInfo.Capture(ex);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        lastFailure!.Throw();
        return null!;
    }

    private static partial class Log
    {
        // Host and port only: the URL's query may carry the receiver's token.
        [LoggerMessage(750, LogLevel.Warning,
            "Refused an outbound connection to {Host}:{Port} (client {Client}): none of its addresses is public: {Addresses}. " +
            "If this receiver is meant to be internal, list it in OUTBOUND_ALLOWED_HOSTS.")]
        public static partial void OutboundConnectionRefused(ILogger logger, string host, int port, string client, string addresses);
    }
}
