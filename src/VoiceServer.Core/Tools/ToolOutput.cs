using System.Text.Json;

namespace VoiceServer.Tools;

/// <summary>Tool outputs the server writes itself: a failure as <c>{"error": …}</c>, which the model can speak about.</summary>
public static class ToolOutput
{
    public static string Error(string message) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }, ToolOutputJsonContext.Default.DictionaryStringString);

    /// <summary>The output of a <c>transfer_to_agent</c> call that handed the call over in place: the session goes on as that agent.</summary>
    public static string HandedOver(string agentId) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["status"] = "handed_over", ["agent"] = agentId }, ToolOutputJsonContext.Default.DictionaryStringString);
}
