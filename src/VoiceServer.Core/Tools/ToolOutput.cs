using System.Text.Json;

namespace VoiceServer.Tools;

/// <summary>Tool outputs the server writes itself: a failure as <c>{"error": …}</c>, which the model can speak about.</summary>
public static class ToolOutput
{
    public static string Error(string message) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }, ToolOutputJsonContext.Default.DictionaryStringString);
}
