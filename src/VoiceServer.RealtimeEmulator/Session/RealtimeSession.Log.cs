using Microsoft.Extensions.Logging;

namespace VoiceServer.RealtimeEmulator.Session;

internal sealed partial class RealtimeSession
{
    // Event names are a contract (dashboards filter on them): rename with care. Never log audio, keys or prompts.
    private static partial class Log
    {
        [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Rejected client event {EventType}: {ErrorCode} ({Param})")]
        public static partial void ClientEventRejected(ILogger logger, string eventType, string errorCode, string? param);

        [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Client message of {Length} bytes is not valid JSON")]
        public static partial void MalformedJson(ILogger logger, int length);

        [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Session updated: input {InputFormat}, output {OutputFormat}, voice {Voice}, turn detection {TurnDetection}")]
        public static partial void SessionUpdated(ILogger logger, string inputFormat, string outputFormat, string voice, string turnDetection);

        [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "The session's {Direction} format is {Format}; the emulator reads and writes audio/pcmu or audio/pcm (24 kHz) only, and treats it as audio/pcmu")]
        public static partial void NotMuLaw(ILogger logger, string direction, string format);

        [LoggerMessage(EventId = 24, Level = LogLevel.Debug, Message = "Speech started at {AudioStartMs} ms")]
        public static partial void SpeechStarted(ILogger logger, long audioStartMs);

        [LoggerMessage(EventId = 25, Level = LogLevel.Debug, Message = "Speech stopped at {AudioEndMs} ms")]
        public static partial void SpeechStopped(ILogger logger, long audioEndMs);

        [LoggerMessage(EventId = 26, Level = LogLevel.Debug, Message = "A response is active; turn {ItemId} waits for the next response.create")]
        public static partial void TurnKeptForLater(ILogger logger, string itemId);

        [LoggerMessage(EventId = 27, Level = LogLevel.Debug, Message = "Response {ResponseId} started: {Source}, {AudioMs} ms of audio")]
        public static partial void ResponseStarted(ILogger logger, string responseId, string source, int audioMs);

        [LoggerMessage(EventId = 28, Level = LogLevel.Debug, Message = "Response {ResponseId} done: {Status} ({Reason}) after {SentMs} ms of audio")]
        public static partial void ResponseFinished(ILogger logger, string responseId, string status, string reason, int sentMs);

        [LoggerMessage(EventId = 29, Level = LogLevel.Debug, Message = "Response instructions ({Length} characters) accepted; the emulator has no model to follow them")]
        public static partial void ResponseInstructionsIgnored(ILogger logger, int length);
    }
}
