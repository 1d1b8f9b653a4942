using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using NSec.Cryptography;

namespace VoiceServer.TelnyxEmulator;

/// <summary>
/// What Telnyx does when a call reaches a TeXML application: POSTs the form-encoded voice webhook, signed with the
/// account's Ed25519 key over <c>"{telnyx-timestamp}|{body}"</c> (telnyx-media-streaming §5.1, written here from the
/// reference), and reads the TeXML it gets back. The key pair is the fake's own; give the main app
/// <see cref="PublicKey"/> as <c>TELNYX_PUBLIC_KEY</c>.
/// </summary>
public sealed class FakeTelnyxWebhook : IDisposable
{
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    /// <summary>The account's public key as Telnyx's portal shows it: base64 of the raw 32 bytes.</summary>
    public string PublicKey => Convert.ToBase64String(_key.Export(KeyBlobFormat.RawPublicKey));

    /// <summary>The form of an incoming call, as a TeXML application receives it.</summary>
    public static Dictionary<string, string> IncomingCall(string to, string callSid, string from = "+15550001111") => new()
    {
        ["AccountSid"] = "f5586561-8ff0-4291-a51b-c7dfe4139ff9",
        ["CallSid"] = callSid,
        ["CallSidLegacy"] = callSid,
        ["CallStatus"] = "ringing",
        ["ConnectionId"] = "1234567890",
        ["Direction"] = "inbound",
        ["From"] = from,
        ["To"] = to,
    };

    /// <summary>A TeXML call id as Telnyx writes it (the <c>call_control_id</c> the stream's <c>start</c> carries).</summary>
    public static string NewCallSid() =>
        "v3:" + Convert.ToBase64String([.. Guid.NewGuid().ToByteArray(), .. Guid.NewGuid().ToByteArray()]).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The signature Telnyx would send for this body at this time.</summary>
    public string Sign(string timestamp, byte[] body) =>
        Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(_key, [.. Encoding.ASCII.GetBytes(timestamp + "|"), .. body]));

    /// <summary>A signed webhook request; <paramref name="signedAt"/> (now by default) sets its timestamp.</summary>
    public HttpRequestMessage CreateRequest(Uri url, IReadOnlyDictionary<string, string> form, DateTimeOffset? signedAt = null, bool sign = true)
    {
        ArgumentNullException.ThrowIfNull(form);
        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(static field => $"{Uri.EscapeDataString(field.Key)}={Uri.EscapeDataString(field.Value)}")));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        if (sign)
        {
            var timestamp = (signedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.Add("telnyx-timestamp", timestamp);
            request.Headers.Add("telnyx-signature-ed25519", Sign(timestamp, body));
        }

        return request;
    }

    public async Task<TexmlAnswer> PostAsync(Uri url, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        using var request = CreateRequest(url, form);
        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>Reads an answer as Telnyx does: the Stream's URL, attributes and parameters, or Say and Hangup.</summary>
    public static async Task<TexmlAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || !body.TrimStart().StartsWith('<'))
        {
            return new TexmlAnswer(response.StatusCode, body, null, new Dictionary<string, string>(), new Dictionary<string, string>(), [], false);
        }

        var texml = XDocument.Parse(body).Root!;
        var stream = texml.Element("Connect")?.Element("Stream");
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in stream?.Elements("Parameter") ?? [])
        {
            parameters[(string)parameter.Attribute("name")!] = (string)parameter.Attribute("value")!;
        }

        return new TexmlAnswer(
            response.StatusCode,
            body,
            stream is null ? null : new Uri((string)stream.Attribute("url")!),
            stream?.Attributes().ToDictionary(static a => a.Name.LocalName, static a => a.Value) ?? [],
            parameters,
            [.. texml.Elements("Say").Select(static say => say.Value)],
            texml.Element("Hangup") is not null);
    }

    public void Dispose() => _key.Dispose();
}
