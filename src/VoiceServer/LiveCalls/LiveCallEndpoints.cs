using VoiceServer.Commands;
using VoiceServer.Endpoints;

namespace VoiceServer.LiveCalls;

/// <summary>
/// <c>POST /api/calls/{callSid}/commands</c>: the direct way in for an operator's command, used by a main app that
/// shares no Redis with the voice server (a single instance). Only signed commands act (<see cref="CallCommandReceiver"/>);
/// the check runs inside the endpoint, so every spelling of the path routing accepts meets it.
/// </summary>
internal static class LiveCallEndpoints
{
    public const string Route = "/api/calls/{callSid}/commands";

    public static void MapLiveCallCommands(this WebApplication app) => app.MapPost(Route, HandleAsync);

    private static async Task HandleAsync(HttpContext context, string callSid, CallCommandReceiver receiver)
    {
        if (!CallCommandChannels.IsValidCallSid(callSid))
        {
            await WriteAsync(context, new CallCommandAck(string.Empty, string.Empty, CallCommandOutcome.Invalid.ToName(), "callSid must be 1-128 letters, digits, _, -, . or :."), CallCommandOutcome.Invalid);
            return;
        }

        if (context.Request.ContentLength > CallCommandSignature.MaxBodyBytes)
        {
            await WriteTooLargeAsync(context);
            return;
        }

        // Read at most one byte past the cap: a body without a length cannot make the server buffer more.
        var body = await ReadBoundedAsync(context.Request.Body, CallCommandSignature.MaxBodyBytes + 1, context.RequestAborted);
        if (body.Length > CallCommandSignature.MaxBodyBytes)
        {
            await WriteTooLargeAsync(context);
            return;
        }

        var signature = context.Request.Headers[CallCommandSignature.HeaderName].ToString();
        var (_, ack) = await receiver.ReceiveAsync("http", callSid, body, signature.Length == 0 ? null : signature, context.RequestAborted);
        await WriteAsync(context, ack, CallCommandOutcomes.TryParse(ack.Outcome, out var outcome) ? outcome : CallCommandOutcome.Refused);
    }

    private static Task WriteAsync(HttpContext context, CallCommandAck ack, CallCommandOutcome outcome)
    {
        context.Response.StatusCode = outcome.HttpStatus();
        return context.Response.WriteAsJsonAsync(ack, CallCommandJsonContext.Default.CallCommandAck, contentType: null, context.RequestAborted);
    }

    private static Task WriteTooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return context.Response.WriteAsJsonAsync(
            new ErrorResponse("payload_too_large", $"A command is at most {CallCommandSignature.MaxBodyBytes} bytes."), HostJsonContext.Default.ErrorResponse, contentType: null, context.RequestAborted);
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit];
        var length = 0;
        int read;
        while (length < limit && (read = await stream.ReadAsync(buffer.AsMemory(length, limit - length), cancellationToken)) > 0)
        {
            length += read;
        }

        return buffer[..length];
    }
}
