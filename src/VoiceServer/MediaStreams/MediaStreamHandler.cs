using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.Configuration;
using VoiceServer.Diagnostics;
using VoiceServer.Endpoints;
using VoiceServer.Hosting;
using VoiceServer.Legs;
using VoiceServer.Playground;
using VoiceServer.Security;
using VoiceServer.WebSockets;

namespace VoiceServer.MediaStreams;

/// <summary>
/// Checks a media-stream request before the upgrade (origin, the provider's proof, parameters present in the query
/// string, drain, capacity), accepts it, and runs the call to its end with the provider's leg. Every provider's
/// path gets the same guarantees from here.
/// </summary>
internal sealed partial class MediaStreamHandler(
    OriginPolicy originPolicy,
    IOptions<VoiceServerOptions> options,
    CallSessionOptions sessionOptions,
    IModelConnector modelConnector,
    CallRegistry registry,
    VoiceServerMetrics metrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory,
    CallDrain drain,
    ICallConfigurationResolver configurationResolver,
    FailedUpgradeLimiter failedUpgrades,
    CallServices callServices,
    LiveViewHub liveViews)
{
    /// <summary>The query parameter of a playground call: the live view it reports to (docs/playground.md).</summary>
    public const string LiveViewParameter = "liveView";

    private static readonly string[] s_parameterNames = [.. CallParameters.All, SignedCallConfiguration.ParameterName];

    private readonly ILogger _logger = loggerFactory.CreateLogger<MediaStreamHandler>();

    public async Task HandleAsync(HttpContext context, ICallerProvider provider)
    {
        var settings = options.Value;
        if (!settings.Serves(provider.Key))
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, new ErrorResponse("provider_not_served", $"This server does not take {provider.Name} calls (CALLER_PROVIDERS)."));
            return;
        }

        var client = failedUpgrades.ClientOf(context);
        if (failedUpgrades.IsBlocked(client))
        {
            metrics.UpgradeRejected("too_many_failures");
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        if (!originPolicy.IsAllowed(context.Request))
        {
            metrics.UpgradeRejected("origin");
            Log.OriginRefused(_logger, context.Request.Headers.Origin.ToString());
            failedUpgrades.RecordFailure(client);
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, new ErrorResponse("origin_not_allowed", "This Origin is not in ALLOWED_ORIGINS."));
            return;
        }

        // A playground call brings the live view it was given; the view stands in for Twilio's signature, which a
        // browser cannot make (only the playground's access key opens one). Only an upgrade may claim it: a plain
        // GET with the id must not use it up.
        LiveView? liveView = null;
        if (provider.AcceptsLiveView && context.WebSockets.IsWebSocketRequest &&
            context.Request.Query[LiveViewParameter].ToString() is { Length: > 0 } liveViewId &&
            (!settings.IsPlaygroundEnabled || !liveViews.TryClaim(liveViewId, out liveView)))
        {
            metrics.UpgradeRejected("live_view");
            Log.LiveViewRefused(_logger);
            failedUpgrades.RecordFailure(client);
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, new ErrorResponse("unknown_live_view", "No playground live view with this id, or a call already joined it.", LiveViewParameter));
            return;
        }

        try
        {
            if (liveView is null && await provider.CheckUpgradeAsync(context) is { } refusal)
            {
                metrics.UpgradeRejected(refusal.Rejection);
                Log.SignatureRefused(_logger, provider.Name, refusal.ProofPresent);
                failedUpgrades.RecordFailure(client);
                await WriteErrorAsync(context, StatusCodes.Status403Forbidden, refusal.Error);
                return;
            }

            if (!context.WebSockets.IsWebSocketRequest)
            {
                metrics.UpgradeRejected("not_websocket");
                failedUpgrades.RecordFailure(client);
                await WriteErrorAsync(context, liveView, StatusCodes.Status400BadRequest, new ErrorResponse("websocket_required", "This endpoint only accepts WebSocket upgrades."));
                return;
            }

            var query = ReadParameters(context.Request.Query);
            if (!CallParameters.TryValidatePresent(query, out var error))
            {
                metrics.UpgradeRejected("invalid_parameter");
                Log.ParameterRefused(_logger, error.Field, error.Message);
                failedUpgrades.RecordFailure(client);
                await WriteErrorAsync(context, liveView, StatusCodes.Status400BadRequest, new ErrorResponse("invalid_parameter", error.Message, error.Field));
                return;
            }

            if (drain.IsDraining)
            {
                metrics.UpgradeRejected("draining");
                await WriteErrorAsync(context, liveView, StatusCodes.Status503ServiceUnavailable, new ErrorResponse("draining", "This instance is shutting down; try another."));
                return;
            }

            if (!registry.TryEnter(settings.MaxConcurrentCalls, out var slot))
            {
                metrics.UpgradeRejected("at_capacity");
                Log.AtCapacity(_logger, settings.MaxConcurrentCalls);
                await WriteErrorAsync(context, liveView, StatusCodes.Status503ServiceUnavailable, new ErrorResponse("at_capacity", "This instance is at MAX_CONCURRENT_CALLS; try another."));
                return;
            }

            using var callSlot = slot;
            var callId = Guid.NewGuid().ToString("N")[..12];
            var logScope = new CallLogScope(callId);
            using var scope = _logger.BeginScope(logScope);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            liveView?.OnConnected(callId);
            // A call lasts minutes: no request timeout applies once the socket is up.
            context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();

            var rateLimit = new MessageRateLimit(settings.MaxMessagesPerSecond, settings.MaxMessagesPerSecond * 10, timeProvider);
            var caller = provider.CreateLeg(context, socket, settings, rateLimit);
            var services = callServices with { CallControl = provider.CallControl, Observer = liveView ?? callServices.Observer };
            var session = new CallSession(callId, caller, modelConnector, sessionOptions, timeProvider, loggerFactory.CreateLogger<CallSession>(), metrics, logScope, services)
            {
                Provider = provider.Key,
            };
            await session.RunAsync(query, configurationResolver, drain.CallsEnding);
        }
        finally
        {
            // Whatever stopped this request (a refusal above, a failed handshake, the call's end), the view ends
            // with it; the first report wins, so a call that ended normally keeps its end reason.
            liveView?.OnRefused("upgrade_failed", "the media socket did not become a call");
        }
    }

    /// <summary>Only the call's own names, first value each; anything else in the query string is ignored.</summary>
    private static Dictionary<string, string> ReadParameters(IQueryCollection query)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in s_parameterNames)
        {
            if (query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]))
            {
                parameters[name] = values[0]!;
            }
        }

        return parameters;
    }

    /// <summary>A refusal after a live view was claimed also ends that view, with the same words.</summary>
    private static Task WriteErrorAsync(HttpContext context, LiveView? liveView, int statusCode, ErrorResponse error)
    {
        liveView?.OnRefused(error.Error, error.Message);
        return WriteErrorAsync(context, statusCode, error);
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, ErrorResponse error)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(error, HostJsonContext.Default.ErrorResponse, contentType: null, context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Media-stream request refused: Origin {Origin} is not allowed.")]
        public static partial void OriginRefused(ILogger logger, string? origin);

        [LoggerMessage(2, LogLevel.Warning, "Media-stream request refused: invalid {Field}: {Problem}")]
        public static partial void ParameterRefused(ILogger logger, string field, string problem);

        [LoggerMessage(4, LogLevel.Warning, "Media-stream request refused: {Provider} upgrade not proven (proof present: {HeaderPresent}).")]
        public static partial void SignatureRefused(ILogger logger, string provider, bool headerPresent);

        [LoggerMessage(5, LogLevel.Warning, "Media-stream request refused: unknown or already used playground live view.")]
        public static partial void LiveViewRefused(ILogger logger);

        [LoggerMessage(3, LogLevel.Warning, "Media-stream request refused: {MaxCalls} calls already alive (MAX_CONCURRENT_CALLS).")]
        public static partial void AtCapacity(ILogger logger, int maxCalls);
    }
}
