namespace VoiceServer.RealtimeEmulator;

/// <summary>How an emulator connection ended.</summary>
internal enum ConnectionEnd
{
    ClientClosed,
    MessageTooBig,
    BinaryFrame,
    SessionExpired,
    ServerStopping,
    Aborted,
}
