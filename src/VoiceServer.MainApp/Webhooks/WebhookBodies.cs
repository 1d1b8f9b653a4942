using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>
/// A provider's webhook body read whole and bounded, for a signature over its exact bytes, then parsed: Kestrel
/// stops reading at the endpoint's cap (413, JsonErrors), and the form reader at its field limits (400).
/// </summary>
internal static class WebhookBodies
{
    /// <summary>No field name a provider sends is anywhere near this long.</summary>
    public const int MaxFieldNameLength = 256;

    public static bool IsForm(HttpRequest request) => HasMediaType(request, "application/x-www-form-urlencoded");

    /// <summary>The body's bytes, exactly as sent (at most the endpoint's cap: a larger one ends in a 413 from Kestrel).</summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// A form-encoded body as one value per name (a repeated name's values joined with commas, as ASP.NET Core's form
    /// shows them, so a doubled <c>To</c> is no number at all). Over the field limits: <see cref="InvalidDataException"/>, a 400.
    /// </summary>
    public static Dictionary<string, string> ParseForm(byte[] body)
    {
        using var reader = new FormReader(Encoding.UTF8.GetString(body), ArrayPool<char>.Shared)
        {
            // Providers send a few dozen fields, as Twilio does; far more is not a provider.
            ValueCountLimit = RequestLimits.VoiceWebhookMaxFields,
            KeyLengthLimit = MaxFieldNameLength,
            ValueLengthLimit = body.Length,
        };
        return reader.ReadForm().ToDictionary(static field => field.Key, static field => field.Value.ToString(), StringComparer.Ordinal);
    }

    private static bool HasMediaType(HttpRequest request, string mediaType) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) &&
        contentType.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);
}
