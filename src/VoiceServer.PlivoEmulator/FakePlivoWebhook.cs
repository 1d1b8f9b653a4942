using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace VoiceServer.PlivoEmulator;

/// <summary>
/// What Plivo does when a call reaches an application: POSTs the form-encoded answer URL (or, on a transfer, the
/// <c>aleg_url</c>) signed with <c>X-Plivo-Signature-V3</c> (plivo-audio-streams §5.2, POST: the URL, <c>?</c>, its
/// sorted query, <c>.</c> when there is one, the form's <c>namevalue</c> pairs sorted by name, <c>.</c>, the nonce;
/// written here from the reference), with a new random nonce each time, and reads the XML it gets back.
/// </summary>
public static class FakePlivoWebhook
{
    /// <summary>A fixed nonce, for signatures a test writes by hand.</summary>
    public const string Nonce = "31415926535897932384";

    /// <summary>The form of an incoming call, as an answer URL receives it.</summary>
    public static Dictionary<string, string> IncomingCall(string to, string callUuid, string from = "+15550001111") => new()
    {
        ["CallUUID"] = callUuid,
        ["CallStatus"] = "ringing",
        ["Direction"] = "inbound",
        ["Event"] = "StartApp",
        ["From"] = from,
        ["To"] = to,
    };

    public static string Sign(string authToken, string url, IReadOnlyDictionary<string, string> form, string nonce = Nonce)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(form);
        var question = url.IndexOf('?', StringComparison.Ordinal);
        var signed = new StringBuilder(question < 0 ? url : url[..question]);
        if (form.Count > 0)
        {
            var query = question < 0 ? string.Empty : string.Join('&', url[(question + 1)..]
                .Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(static part => part.Split('=', 2))
                .Select(static part => (Name: Decode(part[0]), Value: part.Length > 1 ? Decode(part[1]) : string.Empty))
                .OrderBy(static pair => pair.Name, StringComparer.Ordinal)
                .ThenBy(static pair => pair.Value, StringComparer.Ordinal)
                .Select(static pair => $"{pair.Name}={pair.Value}"));
            signed.Append('?').Append(query);
            if (query.Length > 0)
            {
                signed.Append('.');
            }

            foreach (var (name, value) in form.OrderBy(static field => field.Key, StringComparer.Ordinal))
            {
                signed.Append(name).Append(value);
            }
        }
        else if (question >= 0)
        {
            signed.Append(url[question..]);
        }

        signed.Append('.').Append(nonce);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(signed.ToString())));
    }

    /// <summary>A nonce as Plivo sends one: 20 random digits, new for each request.</summary>
    public static string NewNonce() => string.Concat(Enumerable.Range(0, 20).Select(static _ => (char)('0' + RandomNumberGenerator.GetInt32(10))));

    /// <summary>A signed request for <paramref name="url"/>, with a new nonce; <paramref name="authToken"/> null leaves it unsigned.</summary>
    public static HttpRequestMessage CreateRequest(Uri url, IReadOnlyDictionary<string, string> form, string? authToken, string header = "X-Plivo-Signature-V3")
    {
        ArgumentNullException.ThrowIfNull(url);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        if (authToken is not null)
        {
            var nonce = NewNonce();
            request.Headers.Add(header, Sign(authToken, url.AbsoluteUri, form, nonce));
            request.Headers.Add("X-Plivo-Signature-V3-Nonce", nonce);
        }

        return request;
    }

    public static async Task<PlivoXmlAnswer> PostAsync(Uri url, IReadOnlyDictionary<string, string> form, string? authToken, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient();
        using var request = CreateRequest(url, form, authToken);
        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>Reads an answer as Plivo does: the Stream (its URL is the element's text), Speak, Hangup, Dial.</summary>
    public static async Task<PlivoXmlAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || !body.TrimStart().StartsWith('<'))
        {
            return new PlivoXmlAnswer(response.StatusCode, body, null, new Dictionary<string, string>(), [], false, []);
        }

        var xml = XDocument.Parse(body).Root!;
        var stream = xml.Element("Stream");
        return new PlivoXmlAnswer(
            response.StatusCode,
            body,
            stream is null ? null : new Uri(stream.Value.Trim()),
            stream?.Attributes().ToDictionary(static a => a.Name.LocalName, static a => a.Value) ?? [],
            [.. xml.Elements("Speak").Select(static speak => speak.Value)],
            xml.Element("Hangup") is not null,
            [.. xml.Elements("Dial").Elements("Number").Select(static number => number.Value)]);
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
