namespace VoiceServer.Simulator;

/// <summary>Process exit codes of voice-sim.</summary>
public static class SimulatorExitCodes
{
    public const int Success = 0;
    public const int NoAgentAudio = 1;
    public const int Usage = 2;
    public const int UpgradeRefused = 3;
    public const int ConnectionFailed = 4;
    public const int CallFailed = 5;
    public const int ProtocolViolation = 6;
    public const int Cancelled = 130;
}
