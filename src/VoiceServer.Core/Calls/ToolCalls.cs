using System.Text.Json;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// Function calling (docs/reference/barge-in-and-call-control.md §7–9): which tool a call of the model runs (a new
/// built-in tool goes in <see cref="Route"/>), and, per model response, how many of its tool calls are still running,
/// so that one response follows once the response is done and every output is in.
/// Not thread-safe: the session calls it one event at a time.
/// </summary>
internal sealed class ToolCalls
{
    private readonly Dictionary<string, ToolResponse> _responses = new(StringComparer.Ordinal);

    /// <summary>No response has a tool call in flight or a follow-up still to decide.</summary>
    public bool IsIdle => _responses.Count == 0;

    /// <summary>
    /// Decides what a call of <paramref name="name"/> does under <paramref name="configuration"/>: refused while the
    /// call is <paramref name="ending"/>, or when webhook tools are not <paramref name="webhooksAvailable"/>.
    /// </summary>
    public static ToolCallAction Route(CallConfiguration configuration, string name, string argumentsJson, bool ending, bool webhooksAvailable)
    {
        var tool = configuration.Tools.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
        if (tool is null)
        {
            return new ToolCallAction(ToolCallKind.Refused, ToolOutput.Error($"there is no tool named {name}"));
        }

        if (ending)
        {
            return new ToolCallAction(ToolCallKind.Refused, ToolOutput.Error("the call is ending"));
        }

        if (tool.Name == ToolDefinition.EndCall)
        {
            return new ToolCallAction(ToolCallKind.HangUp, """{"status":"ending"}""");
        }

        if (tool.Name == ToolDefinition.TransferCall)
        {
            var number = ReadTransferNumber(argumentsJson);
            return number is null || !CallParameters.IsE164(number) || !configuration.TransferNumbers.Contains(number, StringComparer.Ordinal)
                ? new ToolCallAction(ToolCallKind.Refused, ToolOutput.Error("that number is not one the caller may be transferred to"))
                : new ToolCallAction(ToolCallKind.Transfer, """{"status":"transferring"}""", Number: number);
        }

        if (tool.Name == ToolDefinition.TransferToAgent)
        {
            var agentId = ReadString(argumentsJson, "agent");
            return agentId is null || !configuration.Handoffs.Any(destination => string.Equals(destination.AgentId, agentId, StringComparison.Ordinal))
                ? new ToolCallAction(ToolCallKind.Refused, ToolOutput.Error("there is no such agent to hand the call to; the call goes on with you"))
                : new ToolCallAction(ToolCallKind.Handoff, AgentId: agentId);
        }

        return webhooksAvailable
            ? new ToolCallAction(ToolCallKind.Webhook, Tool: tool)
            : new ToolCallAction(ToolCallKind.Refused, ToolOutput.Error("tools are not available on this server"));
    }

    /// <summary>
    /// A new model session: the old one's responses will never be done and their outputs have nowhere to go, so none
    /// of them may hold back a follow-up or a recycle any longer.
    /// </summary>
    public void Reset() => _responses.Clear();

    /// <summary>A function call of <paramref name="responseId"/> arrived.</summary>
    public void OnCall(string responseId)
    {
        if (!_responses.ContainsKey(responseId))
        {
            _responses[responseId] = new ToolResponse();
        }
    }

    /// <summary>An output went back at once; <paramref name="wantsResponse"/>: the model should answer it.</summary>
    public void OnImmediateOutput(string responseId, bool wantsResponse)
    {
        if (wantsResponse && _responses.TryGetValue(responseId, out var response))
        {
            response.NeedsResponse = true;
        }
    }

    /// <summary>A webhook of <paramref name="responseId"/> started; its output is awaited.</summary>
    public void OnWebhookStarted(string responseId)
    {
        var response = _responses[responseId];
        response.Pending++;
        response.NeedsResponse = true;
    }

    /// <summary>Whether outputs of <paramref name="responseId"/> are still expected.</summary>
    public bool IsWaitingFor(string responseId) => _responses.ContainsKey(responseId);

    /// <summary>A webhook's output went to the model. True when a response should follow now.</summary>
    public bool OnOutputSent(string responseId)
    {
        if (!_responses.TryGetValue(responseId, out var response))
        {
            return false;
        }

        response.Pending--;
        return TryComplete(responseId, response);
    }

    /// <summary>At <c>response.done</c>. True when a response should follow now.</summary>
    public bool OnResponseDone(string responseId) =>
        _responses.TryGetValue(responseId, out var response) && TryComplete(responseId, response.MarkDone());

    /// <summary>One response follows a response's tool calls: once it is done and every output is in.</summary>
    private bool TryComplete(string responseId, ToolResponse response)
    {
        if (!response.Done || response.Pending > 0)
        {
            return false;
        }

        _responses.Remove(responseId);
        return response.NeedsResponse;
    }

    private static string? ReadTransferNumber(string argumentsJson) => ReadString(argumentsJson, "number");

    /// <summary>The string argument <paramref name="name"/>; null when the arguments are not an object holding one.</summary>
    internal static string? ReadString(string argumentsJson, string name)
    {
        try
        {
            using var arguments = JsonDocument.Parse(argumentsJson);
            return arguments.RootElement.ValueKind == JsonValueKind.Object &&
                arguments.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The tool calls of one model response: how many are still running, and whether it is done.</summary>
    private sealed class ToolResponse
    {
        public int Pending { get; set; }

        public bool Done { get; private set; }

        public bool NeedsResponse { get; set; }

        public ToolResponse MarkDone()
        {
            Done = true;
            return this;
        }
    }
}
