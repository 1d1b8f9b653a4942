using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.Commands;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.LiveCalls;

/// <summary>
/// Without Redis there is one voice-server instance, at <c>VOICE_SERVER_URL</c>: the command is POSTed, signed, to its
/// <c>/api/calls/{callSid}/commands</c> (the <c>ws</c>/<c>wss</c> base read as <c>http</c>/<c>https</c>), which answers
/// with the acknowledgement itself.
/// </summary>
internal sealed partial class HttpCallCommandSender(IOptions<MainAppOptions> options, IHttpClientFactory httpClients, ILogger<HttpCallCommandSender> logger) : ICallCommandSender
{
    public const string HttpClientName = "voice-server-commands";

    public async Task<CallCommandAck?> SendAsync(CallCommand command, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var body = JsonSerializer.SerializeToUtf8Bytes(command, CallCommandJsonContext.Default.CallCommand);
        var baseUrl = new UriBuilder(settings.VoiceServerUrl) { Scheme = settings.VoiceServerUrl.Scheme == "wss" ? "https" : "http" }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"/api/calls/{Uri.EscapeDataString(command.CallSid)}/commands"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(CallCommandSignature.HeaderName, CallCommandSignature.Sign(settings.CommandKey!, CallCommandSignature.Purpose.Command, body));
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return JsonSerializer.Deserialize(answer, CallCommandJsonContext.Default.CallCommandAck);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.VoiceServerUnreachable(logger, command.CallSid, ex.GetType().Name);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(132, LogLevel.Warning, "Live-call command for {CallSid}: the voice server did not answer ({Failure})")]
        public static partial void VoiceServerUnreachable(ILogger logger, string callSid, string failure);
    }
}
