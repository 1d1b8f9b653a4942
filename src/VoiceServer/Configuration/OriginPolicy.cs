using Microsoft.Extensions.Options;

namespace VoiceServer.Configuration;

/// <summary>
/// The <c>ALLOWED_ORIGINS</c> rule for the media socket. Twilio connects server to server and sends no
/// <c>Origin</c>, so a request without one passes; a request with one (a browser) must name a listed origin, or
/// the list must contain <c>*</c>. An empty list therefore refuses every browser.
/// </summary>
internal sealed class OriginPolicy(IOptions<VoiceServerOptions> options)
{
    public bool IsAllowed(string? origin)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        var requested = Normalize(origin);
        foreach (var allowed in options.Value.AllowedOrigins)
        {
            if (allowed == "*" || string.Equals(Normalize(allowed), requested, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // Origins compare as scheme://host[:port]; a trailing slash in the setting is forgiven.
    private static string Normalize(string origin) => origin.Trim().TrimEnd('/');
}
