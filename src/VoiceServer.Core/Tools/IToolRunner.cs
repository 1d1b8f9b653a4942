using VoiceServer.Calls;

namespace VoiceServer.Tools;

/// <summary>
/// Runs webhook tools. Returns the output the model is given (a JSON string); failures come back as an error object
/// in the output, so the model can talk about them, rather than as exceptions.
/// </summary>
public interface IToolRunner
{
    Task<string> RunAsync(ToolDefinition tool, ToolInvocation invocation, CancellationToken cancellationToken);
}
