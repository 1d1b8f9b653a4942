using System.Net;
using System.Net.WebSockets;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>For the fakes whose failed upgrade does not say why: whether the server answered with a refusal.</summary>
internal static class RefusedUpgrade
{
    /// <summary>
    /// Connects with <paramref name="connect"/>; when that fails, asks again with a raw upgrade request and turns an
    /// HTTP answer other than 101 into <see cref="WebSocketUpgradeRefusedException"/>, as Twilio's fake does itself.
    /// </summary>
    public static async Task<T> ConnectAsync<T>(
        Func<Task<T>> connect, Uri url, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        try
        {
            return await connect();
        }
        catch (WebSocketException ex)
        {
            if (await StatusOfAsync(url, headers, cancellationToken) is not { } status || status == HttpStatusCode.SwitchingProtocols)
            {
                throw;
            }

            throw new WebSocketUpgradeRefusedException(status, ex);
        }
    }

    /// <summary>The status a raw upgrade request gets; null when there is no HTTP answer at all.</summary>
    private static async Task<HttpStatusCode?> StatusOfAsync(Uri url, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        try
        {
            var (status, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, origin: null, headers, cancellationToken);
            return status;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            return null;
        }
    }
}
