using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.Configuration;
using VoiceServer.Outbound;
using VoiceServer.Tools;

namespace VoiceServer.Webhooks;

/// <summary>
/// Runs a webhook tool: POSTs <c>{callId, callSid, agentId, tool, toolCallId, arguments}</c> to the tool's URL,
/// signed with <c>TOOL_SIGNING_KEY</c>, and hands the model the JSON answer. A non-2xx answer (a redirect included:
/// it is not followed), an address the outbound guard refuses, an answer that is not JSON or arguments that are not
/// JSON become an error object the model can talk about. No retries: the caller is waiting.
/// </summary>
internal sealed partial class WebhookToolRunner(
    IHttpClientFactory httpClients,
    IOptions<VoiceServerOptions> options,
    TimeProvider timeProvider,
    ILogger<WebhookToolRunner> logger) : IToolRunner
{
    public const string HttpClientName = "tools";

    private const int MaxOutputBytes = 64 * 1024;

    private readonly WebhookSigner _signer = new(options.Value.ToolSigningKey, timeProvider);

    public async Task<string> RunAsync(ToolDefinition tool, ToolInvocation invocation, CancellationToken cancellationToken)
    {
        JsonElement arguments;
        try
        {
            using var parsed = JsonDocument.Parse(string.IsNullOrWhiteSpace(invocation.ArgumentsJson) ? "{}" : invocation.ArgumentsJson);
            arguments = parsed.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ToolOutput.Error("the arguments were not valid JSON");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new ToolRequest(invocation.CallId, invocation.CallSid, invocation.AgentId, invocation.Name, invocation.ToolCallId, arguments),
            WebhookJsonContext.Default.ToolRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, tool.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        _signer.Sign(request, body);

        using var response = await SendAsync(tool, request, cancellationToken);
        if (response is null)
        {
            return ToolOutput.Error("the tool could not be reached");
        }

        if (!response.IsSuccessStatusCode)
        {
            Log.ToolRefused(logger, tool.Name, (int)response.StatusCode);
            return ToolOutput.Error($"the tool failed (HTTP {(int)response.StatusCode})");
        }

        // Read at most one byte past the limit: a runaway answer must not fill the server's memory.
        if (response.Content.Headers.ContentLength > MaxOutputBytes)
        {
            return ToolOutput.Error("the tool's answer was too long");
        }

        var answer = new byte[MaxOutputBytes + 1];
        var length = 0;
        await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            int read;
            while (length < answer.Length && (read = await stream.ReadAsync(answer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }
        }

        if (length > MaxOutputBytes)
        {
            return ToolOutput.Error("the tool's answer was too long");
        }

        try
        {
            using var document = JsonDocument.Parse(answer.AsMemory(0, length));
            return document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            // Plain text is still an answer the model can use.
            return JsonSerializer.Serialize(new Dictionary<string, string> { ["result"] = Encoding.UTF8.GetString(answer, 0, length) }, WebhookJsonContext.Default.DictionaryStringString);
        }
    }

    /// <summary>The answer's headers, or null when the outbound guard refused the tool's address.</summary>
    private async Task<HttpResponseMessage?> SendAsync(ToolDefinition tool, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (OutboundAddressRefusedException.IsRefusal(ex))
        {
            Log.ToolAddressRefused(logger, tool.Name);
            return null;
        }
    }

    /// <summary>
    /// Once at start-up: a deployment that forgot the key hears about it before the first call. Not with the local
    /// emulator, a development mode that needs no secrets and should start without warnings to ignore.
    /// </summary>
    public static void WarnIfUnsigned(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<VoiceServerOptions>>().Value is { ToolSigningKey: null, LocalEmulator: false })
        {
            Log.ToolCallsUnsigned(services.GetRequiredService<ILogger<WebhookToolRunner>>());
        }
    }

    private static partial class Log
    {
        // The URL is not logged: it may carry the receiver's token.
        [LoggerMessage(700, LogLevel.Warning, "Tool {Tool} answered HTTP {StatusCode}; the model is told it failed.")]
        public static partial void ToolRefused(ILogger logger, string tool, int statusCode);

        [LoggerMessage(701, LogLevel.Warning, "Tool {Tool} was not called: its URL leads to an address that is not allowed; the model is told it failed.")]
        public static partial void ToolAddressRefused(ILogger logger, string tool);

        [LoggerMessage(702, LogLevel.Warning, "TOOL_SIGNING_KEY is not set: webhook tool calls are sent unsigned, so their receivers cannot tell them from forgeries.")]
        public static partial void ToolCallsUnsigned(ILogger logger);
    }
}
