using System.Diagnostics.CodeAnalysis;
using Microsoft.Net.Http.Headers;
using Twilio.Security;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Twilio;

/// <summary>
/// A request from Twilio: a form, read within the endpoint's caps, whose <c>X-Twilio-Signature</c> (the SDK's
/// validator, over <c>PUBLIC_URL</c> + path + raw query) matches <c>TWILIO_AUTH_TOKEN</c>. Every Twilio callback the app
/// takes is read through here.
/// </summary>
internal static class TwilioForm
{
    /// <summary>
    /// The form's fields, or the refusal to answer with (415 not a form, 403 a missing or wrong signature; then
    /// <c>SignatureRefused</c> says whether a signature header was there at all).
    /// </summary>
    public static async Task<(Dictionary<string, string>? Fields, IResult? Refusal, bool? SignatureRefused)> ReadSignedAsync(
        HttpContext context, MainAppOptions options, CancellationToken cancellationToken)
    {
        // Twilio posts application/x-www-form-urlencoded, nothing else; multipart would only widen what gets parsed.
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Results.Json(new ErrorBody("unsupported_media_type", "Twilio's webhook is form-encoded."), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status415UnsupportedMediaType), null);
        }

        // Read within the endpoint's caps (body size, field count and length): a larger form is refused with a 4xx
        // (JsonErrors) before it is buffered, and the signature below is checked over what was read.
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var fields = form.ToDictionary(field => field.Key, field => field.Value.ToString(), StringComparer.Ordinal);
        if (options.TwilioAuthToken is { } token)
        {
            // The URL exactly as Twilio requested it: the public base (with any path prefix) + path + raw query.
            var url = MainAppOptions.PublicPath(options.PublicUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}"), context.Request.Path + context.Request.QueryString.ToString());
            var signature = context.Request.Headers["X-Twilio-Signature"].ToString();
            if (signature.Length == 0 || !new RequestValidator(token).Validate(url, fields, signature))
            {
                return (null, Results.Json(new ErrorBody("invalid_signature", "X-Twilio-Signature does not match this request."), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status403Forbidden), signature.Length > 0);
            }
        }

        return (fields, null, null);
    }

    /// <summary>Whether a callback's <c>AccountSid</c> is this app's account (always true without <c>TWILIO_ACCOUNT_SID</c>).</summary>
    public static bool IsOurAccount(Dictionary<string, string> fields, MainAppOptions options, [NotNullWhen(false)] out string? problem)
    {
        problem = options.TwilioAccountSid is { } account && !string.Equals(fields.GetValueOrDefault("AccountSid"), account, StringComparison.Ordinal)
            ? "AccountSid is not this app's account."
            : null;
        return problem is null;
    }
}
