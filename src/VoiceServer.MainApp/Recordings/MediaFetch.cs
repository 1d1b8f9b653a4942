namespace VoiceServer.MainApp.Recordings;

/// <summary>A recording's media as its provider answered it, or why not: <paramref name="NotFound"/> (404) or refused (502).</summary>
internal sealed record MediaFetch(HttpResponseMessage? Media, bool NotFound, string? Problem)
{
    public static MediaFetch Missing(string problem) => new(null, true, problem);

    public static MediaFetch Refused(string problem) => new(null, false, problem);

    /// <summary>
    /// The provider's answer to a media request: passed on when it succeeded, otherwise disposed and told by its status
    /// alone (a provider's error body may name the account, so it is never passed on).
    /// </summary>
    public static MediaFetch FromAnswer(HttpResponseMessage media, string provider)
    {
        if (media.IsSuccessStatusCode)
        {
            return new MediaFetch(media, false, null);
        }

        var status = (int)media.StatusCode;
        media.Dispose();
        return status == StatusCodes.Status404NotFound
            ? Missing($"{provider} answered HTTP {status}")
            : Refused($"{provider} answered HTTP {status}");
    }
}
