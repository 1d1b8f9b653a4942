namespace VoiceServer.MainApp.Recordings;

/// <summary>The check of a URL a provider handed over against the origins a setting lists, before it is kept or fetched.</summary>
internal static class RecordingOrigins
{
    /// <summary>Whether <paramref name="url"/> is on one of <paramref name="origins"/>: the same scheme, host and port, and no user.</summary>
    public static bool IsAllowed(Uri url, IReadOnlyList<Uri> origins) =>
        url.IsAbsoluteUri && url.UserInfo.Length == 0 &&
        origins.Any(origin => origin.Scheme == url.Scheme && string.Equals(origin.IdnHost, url.IdnHost, StringComparison.OrdinalIgnoreCase) && origin.Port == url.Port);
}
