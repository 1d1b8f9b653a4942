using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.Commands;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Secrets;

namespace VoiceServer.MainApp.Handoffs;

/// <summary>
/// <c>POST /api/handoffs</c>: the voice server, when an agent hands a live call to another, fetches the destination's
/// configuration here, with the same trust as the first agent's: a signed, encrypted token bound to the call's CallSid.
/// The request is signed (<see cref="HandoffSignature"/>, over <c>PUBLIC_URL</c> + path and the body), fresh, and
/// spent once; the origin agent must list the destination. A destination it does not list, a disabled or deleted one,
/// is a 404 the voice server turns into a tool error: the call goes on with the agent it has.
/// </summary>
internal static partial class HandoffEndpoint
{
    public const string Path = "/api/handoffs";

    public static void MapHandoffs(this WebApplication app) =>
        app.MapPost(Path, HandleAsync).DisableAntiforgery().WithRequestBodyLimit(HandoffSignature.MaxBodyBytes);

    private static async Task<IResult> HandleAsync(
        HttpContext context, AgentStore store, AgentCallConfiguration configuration, ReplayGuard replays, IOptions<MainAppOptions> options, TimeProvider timeProvider,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("VoiceServer.MainApp.Handoffs");
        var settings = options.Value;
        if (settings.ConfigSigningKey is not { } signingKey || !configuration.IsSigned)
        {
            // Handoffs exist only for signed calls: without the key there is nothing to sign the answer with.
            return AdminApi.Error(StatusCodes.Status404NotFound, "not_found", "Handoffs need CONFIG_SIGNING_KEY.");
        }

        // At most the endpoint's cap is read: a larger body is refused with 413 before it is buffered.
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var header = context.Request.Headers[WebhookSignature.HeaderName].ToString();
        var receivedAt = new Uri(MainAppOptions.PublicPath(settings.PublicUrl ?? new Uri($"{context.Request.Scheme}://{context.Request.Host}"), context.Request.Path + context.Request.QueryString.ToString()));
        if (!WebhookSignature.IsValid(header, HandoffSignature.Key(signingKey), receivedAt, body, timeProvider.GetUtcNow(), HandoffSignature.Freshness))
        {
            Log.SignatureRefused(logger);
            return AdminApi.Error(StatusCodes.Status401Unauthorized, "invalid_signature", "X-Voice-Server-Signature is missing, wrong or too old.");
        }

        // Spent once, after the MAC passed (an unsigned request cannot use up a genuine one's entry): a captured
        // request sent again within its freshness window fetches nothing.
        switch (await replays.TryAcceptAsync("handoff:" + header, HandoffSignature.Freshness * 2, cancellationToken))
        {
            case ReplayCheck.Replayed:
                Log.Replayed(logger);
                return AdminApi.Error(StatusCodes.Status401Unauthorized, "replayed", "This handoff request was already answered.");
            case ReplayCheck.Unavailable:
                // Refused, never answered unchecked: the voice server reports a tool error and the call goes on.
                return WebhookResults.ReplayCheckUnavailable();
        }

        var request = TryRead(body);
        if (request is not { CallSid: { } callSid, FromAgentId: { } fromId, ToAgentId: { } toId } || !CallCommandChannels.IsValidCallSid(callSid))
        {
            return AdminApi.Error(StatusCodes.Status400BadRequest, "invalid_request", "The body must be {callSid, fromAgentId, toAgentId}.");
        }

        var origin = await store.GetAsync(fromId, cancellationToken);
        var handoff = origin?.Handoffs.FirstOrDefault(handoff => handoff.AgentId == toId);
        var destination = handoff is null ? null : await store.GetAsync(toId, cancellationToken);
        if (handoff is null || destination is not { Enabled: true })
        {
            Log.UnknownDestination(logger, callSid, fromId, toId);
            return AdminApi.Error(StatusCodes.Status404NotFound, "unknown_destination", $"Agent {fromId} does not hand calls to an agent {toId} that takes calls.");
        }

        var token = configuration.ForCall(destination, callSid).Single(static value => value.Name == AgentCallConfiguration.ConfigName).Value;
        Log.Answered(logger, callSid, fromId, toId);
        return Results.Json(new HandoffAnswer(token, handoff.Context, handoff.LastTurns), MainAppJsonContext.Default.HandoffAnswer);
    }

    private static HandoffRequest? TryRead(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, MainAppJsonContext.Default.HandoffRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Warning, "A handoff request was refused: its signature is missing, wrong or too old.")]
        public static partial void SignatureRefused(ILogger logger);

        [LoggerMessage(71, LogLevel.Warning, "A handoff request was refused: its signature was already used (a replay).")]
        public static partial void Replayed(ILogger logger);

        [LoggerMessage(72, LogLevel.Warning, "Call {CallSid}: agent {FromAgentId} may not hand the call to {ToAgentId} (not listed, disabled or deleted).")]
        public static partial void UnknownDestination(ILogger logger, string callSid, string fromAgentId, string toAgentId);

        [LoggerMessage(73, LogLevel.Information, "Call {CallSid}: handed from agent {FromAgentId} to {ToAgentId}; its configuration was sent.")]
        public static partial void Answered(ILogger logger, string callSid, string fromAgentId, string toAgentId);
    }
}
