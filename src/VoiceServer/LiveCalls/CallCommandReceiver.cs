using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.Commands;
using VoiceServer.Configuration;
using VoiceServer.Diagnostics;
using VoiceServer.Security;

namespace VoiceServer.LiveCalls;

/// <summary>
/// Checks an operator's command, whichever way it came (Redis or HTTP), and hands it to the call it names. In order:
/// the shared key's signature over the exact bytes, the JSON, the call it names against the call it was delivered
/// for, its age, its id's single use (on every instance sharing the replay guard), then the call itself. Nothing
/// reaches a call before all of that holds, and an answer never quotes the command's signature.
/// </summary>
internal sealed partial class CallCommandReceiver
{
    private const string IdPrefix = "command:";

    private readonly byte[]? _key;
    private readonly ITokenReplayGuard _replayGuard;
    private readonly LiveCallDirectory _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VoiceServerMetrics _metrics;

    public CallCommandReceiver(
        IOptions<VoiceServerOptions> options,
        ITokenReplayGuard replayGuard,
        LiveCallDirectory directory,
        TimeProvider timeProvider,
        VoiceServerMetrics metrics,
        ILogger<CallCommandReceiver> logger)
    {
        _metrics = metrics;
        _key = options.Value.ConfigSigningKey is { } secret ? CallCommandSignature.Key(secret) : null;
        _replayGuard = replayGuard;
        _directory = directory;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>The commands' key; null when <c>CONFIG_SIGNING_KEY</c> is not set and every command is refused.</summary>
    public byte[]? Key => _key;

    /// <summary>
    /// The acknowledgement for <paramref name="body"/>, delivered for <paramref name="addressedCallSid"/>, and the
    /// command itself once its signature held (null otherwise: nothing in it may be trusted, its reply channel included).
    /// </summary>
    public async Task<(CallCommand? Command, CallCommandAck Ack)> ReceiveAsync(string transport, string addressedCallSid, byte[] body, string? signature, CancellationToken cancellationToken)
    {
        if (_key is null)
        {
            return (null, Refuse(transport, addressedCallSid, "live-call commands need CONFIG_SIGNING_KEY on the voice server"));
        }

        if (body.Length > CallCommandSignature.MaxBodyBytes || !CallCommandSignature.IsValid(signature, _key, CallCommandSignature.Purpose.Command, body))
        {
            return (null, Refuse(transport, addressedCallSid, signature is null ? "the command is not signed" : "the command's signature is not valid"));
        }

        CallCommand? command;
        try
        {
            command = JsonSerializer.Deserialize(body, CallCommandJsonContext.Default.CallCommand);
        }
        catch (JsonException)
        {
            command = null;
        }

        if (command is null || command.Id is null || command.CallSid is null || command.Action is null)
        {
            return (null, Answer(transport, string.Empty, addressedCallSid, string.Empty, new(CallCommandOutcome.Invalid, "the command is not a command")));
        }

        if (!string.Equals(command.CallSid, addressedCallSid, StringComparison.Ordinal))
        {
            // A command signed for one call, replayed onto another's channel or path, acts on neither.
            return (null, Answer(transport, command.Id, addressedCallSid, command.Action, new(CallCommandOutcome.Invalid, "the command names another call than the one it was sent for")));
        }

        if (!CallCommandSignature.IsFresh(command.IssuedAt, _time.GetUtcNow()))
        {
            return (null, Refuse(transport, addressedCallSid, "the command is stale (issuedAt too far from now)"));
        }

        if (CallCommandRules.Check(command) is { } problem)
        {
            return (command, Answer(transport, command.Id, command.CallSid, command.Action, new(CallCommandOutcome.Invalid, problem.Problem)));
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(command.IssuedAt) + CallCommandSignature.Freshness;
        switch (await _replayGuard.UseAsync(IdPrefix + command.Id, expiresAt, cancellationToken))
        {
            case TokenUse.Replay:
                return (null, Refuse(transport, addressedCallSid, "the command was already used"));
            case TokenUse.CheckUnavailable:
                return (command, Answer(transport, command.Id, command.CallSid, command.Action, new(CallCommandOutcome.Failed, "the replay check is unavailable; try again")));
        }

        if (!_directory.TryGet(command.CallSid, out var session))
        {
            return (command, Answer(transport, command.Id, command.CallSid, command.Action, new(CallCommandOutcome.NotFound, "no live call with this CallSid here")));
        }

        var result = command.Action switch
        {
            CallCommandActions.HangUp => await session.HangUpForOperatorAsync(cancellationToken),
            CallCommandActions.Transfer => await session.TransferForOperatorAsync(command.To!, cancellationToken),
            CallCommandActions.AnsweredBy => await session.AnsweredByAsync(command.AnsweredBy!, cancellationToken),
            _ => session.SayForOperator(command.Text!),
        };
        return (command, Answer(transport, command.Id, command.CallSid, command.Action, result));
    }

    private CallCommandAck Refuse(string transport, string callSid, string reason)
    {
        Log.CommandRefused(_logger, transport, callSid, reason);
        _metrics.CallCommand(action: null, CallCommandOutcome.Refused);
        return new CallCommandAck(string.Empty, callSid, CallCommandOutcome.Refused.ToName(), reason);
    }

    private CallCommandAck Answer(string transport, string id, string callSid, string action, CallCommandResult result)
    {
        Log.CommandHandled(_logger, transport, action, callSid, id, result.Outcome.ToName(), result.Detail);
        _metrics.CallCommand(action, result.Outcome);
        return new CallCommandAck(id, callSid, result.Outcome.ToName(), result.Detail);
    }

    private static partial class Log
    {
        [LoggerMessage(900, LogLevel.Warning, "Live-call command refused ({Transport}, call {CallSid}): {Reason}.")]
        public static partial void CommandRefused(ILogger logger, string transport, string callSid, string reason);

        [LoggerMessage(901, LogLevel.Information, "Live-call command {Action} ({Transport}, call {CallSid}, id {CommandId}): {Outcome}, {Detail}.")]
        public static partial void CommandHandled(ILogger logger, string transport, string action, string callSid, string commandId, string outcome, string detail);
    }
}
