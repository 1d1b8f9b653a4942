using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Plivo;

/// <summary>How a request's signature check ended; only <see cref="Valid"/> lets the request in.</summary>
public enum PlivoSignatureCheck
{
    Valid,

    /// <summary><c>X-Plivo-Signature-V3</c> or <c>X-Plivo-Signature-V3-Nonce</c> is missing or empty.</summary>
    MissingHeaders,

    /// <summary>A header longer than anything Plivo sends.</summary>
    Oversized,

    /// <summary>No signature in the header matches the URL, parameters and nonce under the Auth Token.</summary>
    Mismatch,
}

/// <summary>
/// Verifies <c>X-Plivo-Signature-V3</c> (plivo-audio-streams §5) exactly as the official Node SDK's
/// <c>validateV3Signature</c>: base64(HMAC-SHA256(Auth Token, signed URL + "." + nonce)), where the signed URL is
/// <c>scheme://host[:port]/path</c> plus the query and any extra parameters sorted by name then value; for POST the
/// body parameters follow as <c>namevalue</c> pairs. The header may hold several signatures separated by commas;
/// any match is valid, compared in constant time.
/// </summary>
public sealed class PlivoSignatureValidator
{
    public const string SignatureHeader = "X-Plivo-Signature-V3";
    public const string NonceHeader = "X-Plivo-Signature-V3-Nonce";

    /// <summary>
    /// A signature is 44 base64 characters; a handful of them (key rotation) fits easily. A nonce is about 20
    /// digits. Longer headers are refused before any hashing.
    /// </summary>
    private const int MaxHeaderLength = 1024;

    /// <summary>An HMAC-SHA256 is 32 bytes.</summary>
    private const int SignatureBytes = 32;

    private readonly byte[] _key;

    /// <param name="authToken">The Auth Token (<c>PLIVO_AUTH_TOKEN</c>). Never logged.</param>
    public PlivoSignatureValidator(string authToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        _key = Encoding.UTF8.GetBytes(authToken);
    }

    /// <summary>Checks one request's signature headers against the URL Plivo requested.</summary>
    /// <param name="method"><c>GET</c> (the WebSocket upgrade) or <c>POST</c>.</param>
    /// <param name="url">The absolute URL, as configured (never rebuilt from request headers).</param>
    /// <param name="nonce">The <c>X-Plivo-Signature-V3-Nonce</c> header.</param>
    /// <param name="signatures">The <c>X-Plivo-Signature-V3</c> header.</param>
    /// <param name="parameters">POST form parameters, or extra GET parameters; none when null.</param>
    public PlivoSignatureCheck Verify(
        string method,
        string url,
        string? nonce,
        string? signatures,
        IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        if (string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(signatures))
        {
            return PlivoSignatureCheck.MissingHeaders;
        }

        if (nonce.Length > MaxHeaderLength || signatures.Length > MaxHeaderLength)
        {
            return PlivoSignatureCheck.Oversized;
        }

        Span<byte> expected = stackalloc byte[SignatureBytes];
        Sign(method, url, nonce, parameters, expected);
        Span<byte> candidate = stackalloc byte[SignatureBytes];
        var matched = false;
        foreach (var range in signatures.AsSpan().Split(','))
        {
            // Every candidate is checked, so the time taken does not say which one matched.
            if (Convert.TryFromBase64Chars(signatures.AsSpan()[range], candidate, out var written) && written == SignatureBytes)
            {
                matched |= CryptographicOperations.FixedTimeEquals(expected, candidate);
            }
        }

        return matched ? PlivoSignatureCheck.Valid : PlivoSignatureCheck.Mismatch;
    }

    /// <summary>The base64 signature Plivo would send for this request (fakes and tests sign with it).</summary>
    public string Sign(string method, string url, string nonce, IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        Span<byte> signature = stackalloc byte[SignatureBytes];
        Sign(method, url, nonce, parameters, signature);
        return Convert.ToBase64String(signature);
    }

    /// <summary>The string that is signed, before <c>"." + nonce</c> (§5.2). Off the per-frame path.</summary>
    internal static string BuildSignedUrl(string method, string url, IEnumerable<KeyValuePair<string, string>>? parameters)
    {
        var extra = parameters?.ToList() ?? [];
        var fragment = url.IndexOf('#', StringComparison.Ordinal);
        var withoutFragment = fragment < 0 ? url : url[..fragment];
        var question = withoutFragment.IndexOf('?', StringComparison.Ordinal);
        var baseUrl = question < 0 ? withoutFragment : withoutFragment[..question];
        var query = question < 0 ? string.Empty : withoutFragment[(question + 1)..];

        if (method == "GET")
        {
            var sorted = SortedQuery([.. ParseQuery(query), .. extra]);
            return sorted.Length > 0 ? $"{baseUrl}?{sorted}" : baseUrl;
        }

        if (method == "POST")
        {
            var sortedQuery = SortedQuery(ParseQuery(query));
            var builder = new StringBuilder(baseUrl);
            if (extra.Count > 0)
            {
                builder.Append('?').Append(sortedQuery);
                if (sortedQuery.Length > 0)
                {
                    builder.Append('.');
                }
            }
            else if (sortedQuery.Length > 0)
            {
                builder.Append('?').Append(sortedQuery);
            }

            foreach (var (name, value) in Sort(extra))
            {
                builder.Append(name).Append(value);
            }

            return builder.ToString();
        }

        throw new ArgumentException("Plivo signs GET and POST requests only.", nameof(method));
    }

    private void Sign(string method, string url, string nonce, IEnumerable<KeyValuePair<string, string>>? parameters, Span<byte> destination)
    {
        var message = Encoding.UTF8.GetBytes(BuildSignedUrl(method, url, parameters) + "." + nonce);
        HMACSHA256.HashData(_key, message, destination);
    }

    /// <summary>As Node's <c>querystring.parse</c>: <c>+</c> is a space, escapes are decoded, a bare name has an empty value.</summary>
    private static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            pairs.Add(new(Decode(name), Decode(value)));
        }

        return pairs;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>Names in ordinal order (JavaScript's default sort), then a repeated name's values in the same order.</summary>
    private static IEnumerable<KeyValuePair<string, string>> Sort(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.OrderBy(pair => pair.Key, StringComparer.Ordinal).ThenBy(pair => pair.Value, StringComparer.Ordinal);

    private static string SortedQuery(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join('&', Sort(pairs).Select(pair => $"{pair.Key}={pair.Value}"));
}
