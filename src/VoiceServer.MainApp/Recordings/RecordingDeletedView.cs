namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A delete's answer when the provider offers no deletion: <paramref name="Status"/> <c>forgotten</c> (gone from the
/// admin API, kept by the provider) and <paramref name="Note"/> saying so.
/// </summary>
internal sealed record RecordingDeletedView(string Status, string Note);
