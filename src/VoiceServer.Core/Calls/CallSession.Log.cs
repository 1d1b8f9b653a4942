using Microsoft.Extensions.Logging;

namespace VoiceServer.Calls;

public sealed partial class CallSession
{
    /// <summary>The call's log events. Method names are the EventNames: renaming one breaks dashboards.</summary>
    internal static partial class Log
    {
        [LoggerMessage(100, LogLevel.Debug, "Caller connected.")]
        public static partial void CallerConnected(ILogger logger);

        [LoggerMessage(101, LogLevel.Information, "Stream started: CallSid {CallSid}, StreamSid {StreamSid}.")]
        public static partial void StartReceived(ILogger logger, string? callSid, string streamSid);

        [LoggerMessage(102, LogLevel.Warning, "A second start message was ignored.")]
        public static partial void DuplicateStart(ILogger logger);

        [LoggerMessage(103, LogLevel.Information, "Call configured: agent {AgentId}, voice {Voice}, model {Model}, temperature {Temperature} (recorded, not sent), key from {KeySource}.")]
        public static partial void CallConfigured(ILogger logger, string agentId, string voice, string model, double? temperature, string keySource);

        [LoggerMessage(104, LogLevel.Warning, "Invalid call configuration ({Field}): {Problem}")]
        public static partial void InvalidConfiguration(ILogger logger, string field, string problem);

        [LoggerMessage(107, LogLevel.Information, "Call ready after {SetupMs} ms: {BufferedFrames} buffered caller frames flushed, {DroppedFrames} dropped.")]
        public static partial void CallReady(ILogger logger, long setupMs, int bufferedFrames, int droppedFrames);

        [LoggerMessage(108, LogLevel.Warning, "Caller audio buffer full ({MaxBytes} bytes) while the model session is set up: newer frames are dropped.")]
        public static partial void PendingAudioFull(ILogger logger, int maxBytes);

        [LoggerMessage(109, LogLevel.Warning, "A mark that was never sent came back and was ignored.")]
        public static partial void UnknownMark(ILogger logger);

        [LoggerMessage(112, LogLevel.Trace, "Mark returned: {Outcome}.")]
        public static partial void MarkReturned(ILogger logger, VoiceServer.Playback.MarkOutcome outcome);

        [LoggerMessage(110, LogLevel.Debug, "The caller pressed a key.")]
        public static partial void DtmfReceived(ILogger logger);

        [LoggerMessage(111, LogLevel.Warning, "Ignored a caller message: {Detail}")]
        public static partial void MalformedCallerMessage(ILogger logger, string detail);

        [LoggerMessage(120, LogLevel.Warning, "Model connection failed (HTTP {StatusCode}): {Problem}")]
        public static partial void ModelConnectFailed(ILogger logger, int? statusCode, string problem);

        [LoggerMessage(121, LogLevel.Debug, "Model session created.")]
        public static partial void ModelSessionCreated(ILogger logger);

        [LoggerMessage(122, LogLevel.Information, "Model session confirmed: input {InputFormat}, output {OutputFormat}, voice {Voice}.")]
        public static partial void ModelSessionConfirmed(ILogger logger, string? inputFormat, string? outputFormat, string? voice);

        [LoggerMessage(123, LogLevel.Error, "The model rejected session.update: {Code} {Message} (param {Param}).")]
        public static partial void ModelSessionRejected(ILogger logger, string? code, string? message, string? param);

        [LoggerMessage(124, LogLevel.Warning, "Model error {Type}/{Code}: {Message} (event {EventId}).")]
        public static partial void ModelError(ILogger logger, string? type, string? code, string? message, string? eventId);

        [LoggerMessage(125, LogLevel.Warning, "Asked the model for voice {Requested}, it confirmed {Confirmed}.")]
        public static partial void VoiceMismatch(ILogger logger, string requested, string? confirmed);

        [LoggerMessage(126, LogLevel.Warning, "Ignored a model message: {Detail}")]
        public static partial void MalformedModelMessage(ILogger logger, string detail);

        [LoggerMessage(132, LogLevel.Trace, "The caller started speaking.")]
        public static partial void CallerSpeechStarted(ILogger logger);

        [LoggerMessage(133, LogLevel.Trace, "Response {ResponseId} done: {Status}.")]
        public static partial void ResponseDone(ILogger logger, string responseId, string status);

        [LoggerMessage(134, LogLevel.Debug, "{GapMs} ms of caller media missing: padded with {Frames} silence frame(s).")]
        public static partial void SilencePadded(ILogger logger, long gapMs, int frames);

        [LoggerMessage(135, LogLevel.Debug, "{Count} key press(es) sent to the model.")]
        public static partial void KeysSent(ILogger logger, int count);

        [LoggerMessage(136, LogLevel.Information, "The caller has been silent for idleTimeoutSec: {Action}.")]
        public static partial void CallerIdle(ILogger logger, string action);

        [LoggerMessage(180, LogLevel.Information, "Agent {FromAgentId} hands the call to {ToAgentId}: fetching its configuration.")]
        public static partial void HandoffStarted(ILogger logger, string fromAgentId, string toAgentId);

        [LoggerMessage(181, LogLevel.Warning, "A handoff to {ToAgentId} was refused: {Problem}.")]
        public static partial void HandoffRefused(ILogger logger, string toAgentId, string problem);

        [LoggerMessage(182, LogLevel.Warning, "The handoff from agent {FromAgentId} to {ToAgentId} failed: {Problem}; the call goes on with {FromAgentId}.")]
        public static partial void HandoffFailed(ILogger logger, string fromAgentId, string toAgentId, string problem);

        [LoggerMessage(183, LogLevel.Information, "The call was handed from agent {FromAgentId} to {ToAgentId}: {ReplayedTurns} turn(s) told.")]
        public static partial void HandedOver(ILogger logger, string fromAgentId, string toAgentId, int replayedTurns);

        [LoggerMessage(160, LogLevel.Information, "Tool {Tool} started.")]
        public static partial void ToolStarted(ILogger logger, string tool);

        [LoggerMessage(161, LogLevel.Information, "Tool {Tool} finished after {ElapsedMs} ms.")]
        public static partial void ToolFinished(ILogger logger, string tool, long elapsedMs);

        [LoggerMessage(162, LogLevel.Warning, "Tool {Tool} failed; the model is told so.")]
        public static partial void ToolFailed(ILogger logger, string tool, Exception exception);

        [LoggerMessage(163, LogLevel.Debug, "A call of tool {Tool} from a discarded response was not run.")]
        public static partial void ToolCallDiscarded(ILogger logger, string tool);

        [LoggerMessage(164, LogLevel.Information, "The agent asked to end the call ({Outcome}); waiting for its last words to play.")]
        public static partial void CallControlRequested(ILogger logger, string outcome);

        [LoggerMessage(165, LogLevel.Information, "Telephony API for {Outcome}: {Result} ({Detail}).")]
        public static partial void CallControlFinished(ILogger logger, string outcome, string result, string detail);

        [LoggerMessage(170, LogLevel.Information, "Operator command: {Action}.")]
        public static partial void OperatorCommand(ILogger logger, string action);

        [LoggerMessage(171, LogLevel.Warning, "Another live call here already has this CallSid: this one takes no operator commands.")]
        public static partial void AlreadyListed(ILogger logger);

        [LoggerMessage(172, LogLevel.Information, "Answering-machine verdict {AnsweredBy}: {Effect}.")]
        public static partial void AnsweredBy(ILogger logger, string answeredBy, string effect);

        [LoggerMessage(173, LogLevel.Warning, "No answering-machine verdict within {TimeoutSeconds} s: the agent starts the conversation as for unknown.")]
        public static partial void AnsweredByMissing(ILogger logger, int timeoutSeconds);

        [LoggerMessage(174, LogLevel.Warning, "An operator's accepted message was not said: {Why}.")]
        public static partial void OperatorMessageNotDelivered(ILogger logger, string why);

        [LoggerMessage(175, LogLevel.Debug, "The call is ending: a response asked for after its goodbye began was not requested.")]
        public static partial void ResponseNotRequestedWhileEnding(ILogger logger);

        [LoggerMessage(130, LogLevel.Debug, "Barge-in: caller audio cleared, {Truncations} item(s) truncated, cancel sent: {CancelSent}.")]
        public static partial void BargeIn(ILogger logger, int truncations, bool cancelSent);

        [LoggerMessage(150, LogLevel.Warning, "Replacing the model session ({Cause}): {Detail}. Caller audio is buffered meanwhile.")]
        public static partial void ModelSessionReplacing(ILogger logger, string cause, string detail);

        [LoggerMessage(151, LogLevel.Warning, "New model session attempt {Attempt} failed ({Problem}); retrying in {DelayMs} ms.")]
        public static partial void ModelSessionReplacementRetry(ILogger logger, int attempt, string problem, long delayMs);

        [LoggerMessage(152, LogLevel.Information, "Model session replaced ({Cause}) in {ElapsedMs} ms after {Attempts} attempt(s): {ReplayedTurns} turn(s) replayed, {BufferedFrames} buffered caller frames flushed, apology requested: {Apologised}.")]
        public static partial void ModelSessionReplaced(ILogger logger, string cause, long elapsedMs, int attempts, int replayedTurns, int bufferedFrames, bool apologised);

        [LoggerMessage(153, LogLevel.Warning, "Recycling the model session failed after {Attempts} attempt(s) ({Problem}); the current session carries on.")]
        public static partial void ModelSessionRecycleFailed(ILogger logger, int attempts, string problem);

        [LoggerMessage(154, LogLevel.Debug, "The model session is due for recycling (past the deadline: {Urgent}); waiting for a quiet moment.")]
        public static partial void ModelSessionRecycleDue(ILogger logger, bool urgent);

        [LoggerMessage(131, LogLevel.Information, "Maximum call duration reached: asking the agent to say goodbye.")]
        public static partial void MaxDurationReached(ILogger logger);

        /// <summary>The call's one summary line.</summary>
        [LoggerMessage(140, LogLevel.Information, "Call ended: {EndReason} ({Detail}) after {DurationMs} ms; CallSid {CallSid}, agent {AgentId}.")]
        public static partial void CallEnded(ILogger logger, string endReason, string detail, long durationMs, string? callSid, string? agentId);

        [LoggerMessage(141, LogLevel.Error, "The call failed unexpectedly.")]
        public static partial void UnexpectedFailure(ILogger logger, Exception exception);
    }
}
