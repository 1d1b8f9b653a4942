using System.Text.Json;

namespace VoiceServer.Calls;

/// <summary>
/// A tool the agent may call: a webhook (the arguments are POSTed to <see cref="Url"/>, its JSON answer is the
/// output) or one of the built-ins (<c>end_call</c>, <c>transfer_call</c>, <c>transfer_to_agent</c>), which have no URL.
/// </summary>
public sealed record ToolDefinition(string Name, string Description, JsonElement Parameters, Uri? Url)
{
    public const string EndCall = "end_call";
    public const string TransferCall = "transfer_call";
    public const string TransferToAgent = "transfer_to_agent";

    public bool IsBuiltIn => Url is null;
}
