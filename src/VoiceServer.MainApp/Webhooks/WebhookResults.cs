using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>The refusals the providers' webhooks share, each a JSON error.</summary>
internal static class WebhookResults
{
    public static IResult NotForm(string provider) =>
        AdminApi.Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", $"{provider}'s webhook is form-encoded.");

    public static IResult NotServed(PhoneProvider provider) =>
        AdminApi.Error(StatusCodes.Status404NotFound, "provider_not_served", $"This deployment does not serve {provider} calls (CALLER_PROVIDERS, or {MainAppOptions.SecretName(provider)} when that is unset).");

    public static IResult InvalidSignature(string header) =>
        AdminApi.Error(StatusCodes.Status403Forbidden, "invalid_signature", $"{header} does not match this request.");

    public static IResult Replayed() =>
        AdminApi.Error(StatusCodes.Status403Forbidden, "replayed", "This signed request was already received.");

    /// <summary>The database that remembers used requests did not answer: refused, never let in unchecked (the provider may retry).</summary>
    public static IResult ReplayCheckUnavailable() =>
        AdminApi.Error(StatusCodes.Status503ServiceUnavailable, "replay_check_unavailable", "The replay check is unavailable; try again later.");

    /// <summary>The refusal for a replay check that did not accept the request, or null when it did.</summary>
    public static IResult? Refusal(ReplayCheck check) => check switch
    {
        ReplayCheck.Accepted => null,
        ReplayCheck.Replayed => Replayed(),
        _ => ReplayCheckUnavailable(),
    };

    public static IResult InvalidField(string field) =>
        Results.Json(new ErrorBody("invalid_field", $"{field} is malformed.", field), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    public static IResult Xml(string document) => Results.Content(document, "application/xml; charset=utf-8");
}
