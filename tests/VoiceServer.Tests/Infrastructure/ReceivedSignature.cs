using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// The receiver's check of <c>X-Voice-Server-Signature</c>, written from the documented scheme rather than the
/// product's code: <c>t=…,v2=hex(HMAC-SHA256(key, "t.url.body"))</c>, where url is the absolute URL requested.
/// </summary>
internal static class ReceivedSignature
{
    public static void AssertSigned(FakeHttpReceiver receiver, ReceivedHttpRequest request, string key)
    {
        var header = request.Headers["X-Voice-Server-Signature"];
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var timestamp = long.Parse(parts["t"], CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, -5, 300);
        var url = $"http://{receiver.BaseAddress.Authority}{request.Path}{request.Query}";
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{parts["t"]}.{url}.{request.Body}"));
        Assert.Equal(Convert.ToHexStringLower(expected), parts["v2"]);
        Assert.False(parts.ContainsKey("v1"), "the destination-free v1 signature is no longer sent");
    }
}
