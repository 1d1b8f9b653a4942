using System.Text;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>The caller session's prompt: the scenario's persona and goal, how to behave on the phone, and its script.</summary>
public static class CallerInstructions
{
    /// <summary>
    /// The heading a script follows, one numbered line per turn. The local Realtime emulator looks for exactly this line
    /// (VoiceServer.RealtimeEmulator's CallerScript) and speaks the lines in turn; a real model reads it as an instruction.
    /// </summary>
    public const string ScriptHeading = "Say these lines in order, one per turn, word for word:";

    /// <summary>The tool the caller's model calls to hang up.</summary>
    public const string EndCallTool = "end_call";

    public static string For(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var text = new StringBuilder();
        text.Append("You are a caller on a phone call with a company's AI phone agent. You are testing it, but act as a real caller: ")
            .Append("speak only as the caller, in short turns as people do on the phone, never describe what you are doing, ")
            .Append("and let the agent lead where a real caller would.\n");
        if (scenario.Persona.Length > 0)
        {
            text.Append("Who you are: ").Append(scenario.Persona).Append('\n');
        }

        text.Append("Your goal on this call: ").Append(scenario.Goal).Append('\n');
        text.Append("When the goal is reached, or the agent cannot help any further, say goodbye and then call the ")
            .Append(EndCallTool).Append(" tool to hang up.\n");
        if (scenario.Script.Count > 0)
        {
            text.Append(ScriptHeading).Append('\n');
            for (var i = 0; i < scenario.Script.Count; i++)
            {
                text.Append(i + 1).Append(". ").Append(scenario.Script[i]).Append('\n');
            }
        }

        return text.ToString();
    }
}
