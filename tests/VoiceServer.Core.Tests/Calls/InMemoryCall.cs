using VoiceServer.Calls;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>Runs a call on in-memory legs up to the moment audio flows: start, the model's session confirmed.</summary>
internal static class InMemoryCall
{
    private static readonly Dictionary<string, string> s_parameters = new() { ["agentId"] = "a", ["openAIKey"] = "sk-test" };

    public static async Task<(Task<CallOutcome> Run, InMemoryModelLeg Model)> StartUntilReadyAsync(
        CallSession session, InMemoryCallerLeg caller, InMemoryModelConnector connector, CancellationToken cancellationToken)
    {
        var run = session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        caller.Push(events => events.OnStart(new CallerStart("MZ1", "CA1", "AC1", "audio/x-mulaw", 8000, 1, s_parameters)));
        var model = await connector.NextLegAsync(cancellationToken);
        await model.SessionUpdate.WaitAsync(cancellationToken);
        model.ConfirmMuLawSession();
        await session.Ready.WaitAsync(cancellationToken);
        return (run, model);
    }
}
