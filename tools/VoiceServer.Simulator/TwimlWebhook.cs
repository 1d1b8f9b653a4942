using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace VoiceServer.Simulator;

/// <summary>
/// The first half of what Twilio does for an incoming call: POST the voice webhook (form-encoded, signed when an Auth
/// Token is given) and read the TwiML: the <c>&lt;Connect&gt;&lt;Stream&gt;</c> URL and its <c>&lt;Parameter&gt;</c>s.
/// The simulator then opens that URL with those parameters in <c>start</c>, as Twilio does.
/// </summary>
public static class TwimlWebhook
{
    public static async Task<(Uri? StreamUrl, List<KeyValuePair<string, string>> Parameters, string Twiml)> FollowAsync(
        Uri webhook, string to, string from, string callSid, string? authToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var form = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = "AC" + new string('0', 32),
            ["CallSid"] = callSid,
            ["CallStatus"] = "ringing",
            ["Direction"] = "inbound",
            ["From"] = from,
            ["To"] = to,
        };
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new FormUrlEncodedContent(form) };
        if (authToken is not null)
        {
            var data = new StringBuilder(webhook.ToString());
            foreach (var (name, value) in form)
            {
                data.Append(name).Append(value);
            }

#pragma warning disable CA5350 // Twilio's signature is defined as HMAC-SHA1.
            request.Headers.Add("X-Twilio-Signature", Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()))));
#pragma warning restore CA5350
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var twiml = await response.Content.ReadAsStringAsync(cancellationToken);
        response.EnsureSuccessStatusCode();
        var stream = XDocument.Parse(twiml).Root?.Element("Connect")?.Element("Stream");
        var parameters = (stream?.Elements("Parameter") ?? [])
            .Select(p => new KeyValuePair<string, string>((string)p.Attribute("name")!, (string)p.Attribute("value")!))
            .ToList();
        return (stream is null ? null : new Uri((string)stream.Attribute("url")!), parameters, twiml);
    }
}
