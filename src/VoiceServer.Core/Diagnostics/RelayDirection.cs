namespace VoiceServer.Diagnostics;

/// <summary>The direction of relayed audio, as a metric tag.</summary>
public enum RelayDirection
{
    CallerToModel,
    ModelToCaller,
}
