using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Logging;
using VoiceServer.RealtimeEmulator.Protocol;
using VoiceServer.RealtimeEmulator.Session;

namespace VoiceServer.RealtimeEmulator;

/// <summary>Accepts emulator connections: the endpoint behind <see cref="RealtimeEmulatorEndpoints"/>.</summary>
internal sealed partial class RealtimeEmulatorHandler
{
    /// <summary>Used when the URL names no model (the real API requires one; the emulator is lenient).</summary>
    public const string DefaultModel = "gpt-realtime";

    // Browsers authenticate through subprotocols ("realtime" plus one carrying the key); only "realtime" is chosen.
    private const string RealtimeSubProtocol = "realtime";

    private const string BetaHeader = "OpenAI-Beta";

    // The close code and reason the real API uses for beta clients since the beta interface was shut down.
    private const int BetaRejectedCloseStatus = 4000;

    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly RealtimeEmulatorOptions _options;

    private readonly CancellationToken _serverStopping;

    public RealtimeEmulatorHandler(ILogger logger, TimeProvider timeProvider, RealtimeEmulatorOptions options, CancellationToken serverStopping)
    {
        _serverStopping = serverStopping;
        _logger = logger;
        _timeProvider = timeProvider;
        _options = options;
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            Log.NotWebSocket(_logger);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // Authorization / api-key headers are accepted whatever they hold, and never read or logged.
        string? requestedModel = context.Request.Query["model"];
        var model = string.IsNullOrWhiteSpace(requestedModel) ? DefaultModel : requestedModel;
        var isBetaClient = context.Request.Headers.ContainsKey(BetaHeader);

        // A call can last up to the session cap: a request timeout must not cut it.
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();

        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(RealtimeSubProtocol) ? RealtimeSubProtocol : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        var connection = new RealtimeConnection(socket, _logger, _timeProvider, _options);
        using var session = new RealtimeSession(model, connection, _logger, _timeProvider, _options);

        if (isBetaClient)
        {
            Log.BetaClientRejected(_logger);
            await RejectBetaClientAsync(socket, context.RequestAborted);
            return;
        }

        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["RealtimeSessionId"] = session.SessionId });
        Log.SessionStarted(_logger, session.SessionId, model);
        var startedAt = _timeProvider.GetTimestamp();
        var end = await connection.RunAsync(session, _serverStopping, context.RequestAborted);
        var durationMs = (long)_timeProvider.GetElapsedTime(startedAt).TotalMilliseconds;
        Log.SessionEnded(_logger, session.SessionId, end, durationMs);
    }

    private async Task RejectBetaClientAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var writer = new ServerEventWriter();
        var error = new RealtimeError(
            "beta_api_shape_disabled",
            "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
            null);
        try
        {
            await socket.SendAsync(writer.WriteError(error, null), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            await socket.CloseOutputAsync((WebSocketCloseStatus)BetaRejectedCloseStatus, "beta_api_shape_disabled", cancellationToken);

            using var timeout = new CancellationTokenSource(_options.CloseTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            var scratch = new byte[256];
            while ((await socket.ReceiveAsync(scratch.AsMemory(), linked.Token)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            socket.Abort();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Answered 400 to a non-WebSocket request")]
        public static partial void NotWebSocket(ILogger logger);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Realtime emulator session {SessionId} started for model {Model}")]
        public static partial void SessionStarted(ILogger logger, string sessionId, string model);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Realtime emulator session {SessionId} ended: {EndReason} after {DurationMs} ms")]
        public static partial void SessionEnded(ILogger logger, string sessionId, ConnectionEnd endReason, long durationMs);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Refused a Realtime beta client (OpenAI-Beta header): closing with 4000 beta_api_shape_disabled")]
        public static partial void BetaClientRejected(ILogger logger);
    }
}
