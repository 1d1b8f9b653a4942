namespace VoiceServer.TwilioEmulator;

/// <summary>A mark the fake returned to the server.</summary>
/// <param name="Name">The mark's name.</param>
/// <param name="FlushedByClear">True when a <c>clear</c> flushed it: its audio was never played.</param>
/// <param name="ReturnedAt">When it was sent back, relative to the end of the upgrade.</param>
public sealed record ReturnedMark(string Name, bool FlushedByClear, TimeSpan ReturnedAt);
