using System.Reflection;

namespace VoiceServer.Tests.Endpoints;

/// <summary>
/// A log line's event id is what an operator filters and alerts on, so within one program each id names one message:
/// the voice server's assemblies share one space of ids, the main app has its own.
/// </summary>
public sealed class LogEventIdTests
{
    [Theory]
    [InlineData("VoiceServer", "VoiceServer.Core", "VoiceServer.OpenAI", "VoiceServer.Twilio", "VoiceServer.Telnyx", "VoiceServer.Plivo", "VoiceServer.Vonage", "VoiceServer.Redis")]
    [InlineData("VoiceServer.MainApp")]
    public void EveryLogMessage_HasAnEventIdOfItsOwn(params string[] assemblies)
    {
        var messages = assemblies
            .Select(static name => Assembly.Load(new AssemblyName(name)))
            .SelectMany(static assembly => assembly.GetTypes())
            .SelectMany(static type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(static method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(static m => m.Attribute is not null)
            .ToList();

        var shared = messages
            .GroupBy(static m => m.Attribute!.EventId)
            .Where(static g => g.Count() > 1)
            .Select(static g => $"{g.Key}: {string.Join(", ", g.Select(static m => $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}"))}")
            .ToList();

        Assert.NotEmpty(messages);
        Assert.Empty(shared);
    }
}
