using System.Net;
using System.Xml.Linq;

namespace VoiceServer.TwilioEmulator;

/// <summary>
/// What Twilio does when a call comes in: POSTs the form-encoded voice webhook, signed with the account's Auth Token
/// over the public URL (computed here independently of the SDK), and reads the TwiML it gets back: a
/// <c>&lt;Connect&gt;&lt;Stream&gt;</c> URL and its <c>&lt;Parameter&gt;</c>s, or <c>&lt;Say&gt;</c> and <c>&lt;Hangup/&gt;</c>.
/// </summary>
public static class FakeTwilioWebhook
{
    public static async Task<TwimlAnswer> PostAsync(Uri webhookUrl, string? authToken, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookUrl);
        ArgumentNullException.ThrowIfNull(form);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhookUrl) { Content = new FormUrlEncodedContent(form) };
        if (authToken is not null)
        {
            request.Headers.Add("X-Twilio-Signature", TwilioIds.ComputeSignature(authToken, webhookUrl.ToString(), form));
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || !body.TrimStart().StartsWith('<'))
        {
            return new TwimlAnswer(response.StatusCode, body, null, new Dictionary<string, string>(), [], false);
        }

        var twiml = XDocument.Parse(body).Root!;
        var stream = twiml.Element("Connect")?.Element("Stream");
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in stream?.Elements("Parameter") ?? [])
        {
            parameters[(string)parameter.Attribute("name")!] = (string)parameter.Attribute("value")!;
        }

        return new TwimlAnswer(
            response.StatusCode,
            body,
            stream is null ? null : new Uri((string)stream.Attribute("url")!),
            parameters,
            [.. twiml.Elements("Say").Select(say => say.Value)],
            twiml.Element("Hangup") is not null);
    }
}
