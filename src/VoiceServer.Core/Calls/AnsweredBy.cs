using System.Diagnostics.CodeAnalysis;

namespace VoiceServer.Calls;

/// <summary>
/// Twilio's answering-machine verdicts (<c>AnsweredBy</c> of the asynchronous AMD callback), and what each means for
/// a call that awaits one. With <c>MachineDetection=DetectMessageEnd</c> a machine's verdict comes once its greeting
/// has ended (after the beep, when there is one); <c>machine_start</c> comes only with <c>Enable</c>.
/// </summary>
public static class AnsweredBy
{
    public const string Human = "human";
    public const string MachineStart = "machine_start";
    public const string MachineEndBeep = "machine_end_beep";
    public const string MachineEndSilence = "machine_end_silence";
    public const string MachineEndOther = "machine_end_other";
    public const string Fax = "fax";
    public const string Unknown = "unknown";

    /// <summary>Every value Twilio documents, in its order.</summary>
    public static readonly IReadOnlyList<string> All = [Human, MachineStart, MachineEndBeep, MachineEndSilence, MachineEndOther, Fax, Unknown];

    public static bool IsKnown([NotNullWhen(true)] string? value) => value is Human or MachineStart or MachineEndBeep or MachineEndSilence or MachineEndOther or Fax or Unknown;

    /// <summary>
    /// A machine whose greeting has ended: the moment the voicemail policy applies. <c>machine_start</c> is not one: it
    /// comes while the greeting still plays, and is treated as a person would be (normal conversation).
    /// </summary>
    public static bool IsMachineAtMessageEnd(string value) => value is MachineEndBeep or MachineEndSilence or MachineEndOther;
}
