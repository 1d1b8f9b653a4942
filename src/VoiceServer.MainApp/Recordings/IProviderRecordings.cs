using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// One provider's recordings as the admin routes use them: which ids could be its calls' (by the CallSid's form),
/// whether the app has its credentials, and its media and deletion of a stored recording. The routes find the provider
/// by the recording's stored row (two providers' ids may look alike), have one code path for every provider, and each
/// provider says only what differs.
/// </summary>
internal interface IProviderRecordings
{
    PhoneProvider Provider { get; }

    /// <summary>What the provider's call ids look like, for the refusal of a CallSid no provider's could be.</summary>
    string CallSidForm { get; }

    /// <summary>Whether the app has the credentials to fetch and delete this provider's recordings.</summary>
    bool IsConfigured { get; }

    /// <summary>The settings that are missing when <see cref="IsConfigured"/> is false, as a sentence.</summary>
    string MissingSettings { get; }

    /// <summary>Whether <paramref name="callSid"/> is one of this provider's call ids.</summary>
    bool IsCallSid(string callSid);

    /// <summary>The media of a stored recording, its body still to be read (so it is streamed on, never held whole), or why there is none.</summary>
    Task<MediaFetch> GetMediaAsync(CallRecording recording, RecordingFormat format, CancellationToken cancellationToken);

    /// <summary>Deletes the recording at the provider (one it no longer has counts as deleted), or says what it keeps.</summary>
    Task<RecordingDeleteResult> DeleteAsync(string recordingSid, CancellationToken cancellationToken);
}
