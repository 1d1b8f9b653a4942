using Microsoft.Extensions.Options;

namespace VoiceServer.Configuration;

/// <summary>
/// The <c>ALLOWED_ORIGINS</c> rule for the media socket. Twilio connects server to server and sends no
/// <c>Origin</c>, so a request without one passes; a request with one (a browser) must name a listed origin, or
/// the list must contain <c>*</c>. An empty list therefore refuses every browser, except the server's own playground
/// page when the playground is on.
/// </summary>
internal sealed class OriginPolicy(IOptions<VoiceServerOptions> options)
{
    /// <summary>
    /// The rule for a request: as <see cref="IsAllowed(string?)"/>, and with the playground on, the page this server
    /// serves itself (an <c>Origin</c> naming the request's own host) passes too.
    /// </summary>
    public bool IsAllowed(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        return IsAllowed(origin) || (options.Value.IsPlaygroundEnabled && IsSameOrigin(origin!, request.Host));
    }

    // Compared as host[:port] (the scheme may differ behind a TLS-terminating proxy); default ports are left out of both.
    private static bool IsSameOrigin(string origin, HostString host) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && host.HasValue &&
        string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);

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
