using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using VoiceServer.OpenAI;
using VoiceServer.RealtimeEmulator;

namespace VoiceServer.LocalEmulator;

/// <summary>This server's own address, found once it listens (the port may be chosen at start).</summary>
internal sealed class LocalEmulatorEndpoint(IServer server) : IRealtimeEndpoint
{
    private Uri? _url;

    public Uri Url => _url ??= Resolve();

    private Uri Resolve()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address yet.");
        var listening = new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal));
        var scheme = listening.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return new UriBuilder(scheme, "127.0.0.1", listening.Port, RealtimeEmulatorEndpoints.DefaultPattern).Uri;
    }
}
