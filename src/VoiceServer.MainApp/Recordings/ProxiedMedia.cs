namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A provider's media answer passed on as it arrives: status 200, the format's content type and length, the body copied
/// in small pieces (never held whole), and the upstream answer disposed at the end.
/// </summary>
internal sealed class ProxiedMedia(HttpResponseMessage upstream, string contentType, string fileName) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        using (upstream)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = upstream.Content.Headers.ContentLength;
            response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
            // A recording is personal data: no shared cache keeps a copy.
            response.Headers.CacheControl = "no-store";
            await using var media = await upstream.Content.ReadAsStreamAsync(httpContext.RequestAborted);
            await media.CopyToAsync(response.Body, httpContext.RequestAborted);
        }
    }
}
