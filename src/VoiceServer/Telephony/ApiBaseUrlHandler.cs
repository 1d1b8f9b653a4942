namespace VoiceServer.Telephony;

/// <summary>
/// Sends the Twilio SDK's requests to <c>TWILIO_API_BASE_URL</c> instead of <c>https://api.twilio.com</c> (a test's
/// fake, or an egress proxy), keeping path and query.
/// </summary>
internal sealed class ApiBaseUrlHandler(Uri baseUrl) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } original)
        {
            request.RequestUri = new UriBuilder(original) { Scheme = baseUrl.Scheme, Host = baseUrl.Host, Port = baseUrl.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
