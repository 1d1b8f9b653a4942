namespace VoiceServer.RealtimeEmulator.Session;

/// <summary>
/// Lines the session's instructions ask to be spoken word for word, in order, one per response: how a simulated
/// caller (voice-sim's <c>test</c> command) is scripted against the emulator. The instructions carry a heading line,
/// <see cref="Heading"/>, followed by numbered lines (<c>1. Hello.</c>); a real model reads the same text as an
/// instruction, so one scenario file drives both.
/// </summary>
internal static class CallerScript
{
    /// <summary>The line that starts a script; voice-sim writes exactly this.</summary>
    public const string Heading = "Say these lines in order, one per turn, word for word:";

    /// <summary>The script's lines; empty when the instructions hold none.</summary>
    public static IReadOnlyList<string> Parse(string instructions)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var lines = instructions.Split('\n');
        var start = Array.FindIndex(lines, line => line.Trim() == Heading);
        if (start < 0)
        {
            return [];
        }

        var script = new List<string>();
        foreach (var line in lines.Skip(start + 1))
        {
            var text = line.Trim();
            var dot = text.IndexOf(". ", StringComparison.Ordinal);
            if (dot <= 0 || !text[..dot].All(char.IsAsciiDigit))
            {
                break;
            }

            script.Add(text[(dot + 2)..].Trim());
        }

        return script;
    }
}
