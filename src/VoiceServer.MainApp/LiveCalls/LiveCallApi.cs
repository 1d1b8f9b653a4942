using Microsoft.Extensions.Options;
using VoiceServer.Commands;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Security;

namespace VoiceServer.MainApp.LiveCalls;

/// <summary>
/// Control of a live call (admin, <c>X-Api-Key</c>): <c>POST /api/calls/{callSid}/hangup</c>, <c>/transfer</c>
/// <c>{"to":"+E164"}</c> and <c>/say</c> <c>{"text":…}</c>. The main app does not know which voice-server instance
/// holds the call: the command goes out signed (<see cref="ICallCommandSender"/>), the holding instance acts and
/// answers, and its answer becomes the response (200 done, 202 accepted, 404 no instance holds the call, 409 the call
/// cannot do it, 502 the provider refused, 504 no answer in time).
/// </summary>
internal static partial class LiveCallApi
{
    /// <summary>A message to say is at most 1,000 characters: 16 KiB holds it JSON-escaped many times over.</summary>
    public const long BodyBytes = 16 * 1024;

    public static void MapLiveCallApi(this WebApplication app)
    {
        var calls = app.MapGroup("/api/calls/{callSid}")
            .RequireAuthorization(AdminApiKeyAuthentication.PolicyName)
            .WithRequestBodyLimit(BodyBytes);
        calls.MapPost("/hangup", static (string callSid, CommandContext context, CancellationToken cancellationToken) =>
            SendAsync(context, callSid, CallCommandActions.HangUp, to: null, text: null, cancellationToken));
        calls.MapPost("/transfer", static (string callSid, TransferInput input, CommandContext context, CancellationToken cancellationToken) =>
            CallCommandRules.IsValidNumber(input.To)
                ? SendAsync(context, callSid, CallCommandActions.Transfer, input.To, text: null, cancellationToken)
                : Task.FromResult(Invalid("to", "to must be an E.164 number, e.g. +15557654321.")));
        calls.MapPost("/say", static (string callSid, SayInput input, CommandContext context, CancellationToken cancellationToken) =>
            CallCommandRules.IsValidText(input.Text)
                ? SendAsync(context, callSid, CallCommandActions.Say, to: null, input.Text, cancellationToken)
                : Task.FromResult(Invalid("text", $"text must be 1-{CallCommandRules.MaxTextLength} characters, without control characters.")));
    }

    public static void AddLiveCallApi(this IServiceCollection services)
    {
        services.AddHttpClient(HttpCallCommandSender.HttpClientName, static client => client.Timeout = RedisCallCommandSender.AckTimeout);
        services.AddSingleton<RedisCallCommandSender>();
        services.AddSingleton<HttpCallCommandSender>();
        services.AddSingleton<ICallCommandSender>(static provider =>
            provider.GetRequiredService<IOptions<MainAppOptions>>().Value.Redis is null
                ? provider.GetRequiredService<HttpCallCommandSender>()
                : provider.GetRequiredService<RedisCallCommandSender>());
        services.AddSingleton<CommandContext>();
    }

    private static async Task<IResult> SendAsync(CommandContext context, string callSid, string action, string? to, string? text, CancellationToken cancellationToken)
    {
        if (!CallCommandChannels.IsValidCallSid(callSid))
        {
            return Invalid("callSid", "callSid must be 1-128 letters, digits, _, -, . or :.");
        }

        if (context.Options.Value.CommandKey is null)
        {
            return AdminApi.Error(StatusCodes.Status409Conflict, "call_control_unavailable", "Live-call commands need CONFIG_SIGNING_KEY, the same on the main app and the voice server.");
        }

        var command = new CallCommand(Guid.NewGuid().ToString("N"), callSid, action, context.Time.GetUtcNow().ToUnixTimeSeconds(), to, text);
        var ack = await context.Sender.SendAsync(command, cancellationToken);
        if (ack is null)
        {
            Log.CommandUnanswered(context.Logger, action, callSid);
            return AdminApi.Error(StatusCodes.Status504GatewayTimeout, "no_acknowledgement", "No voice-server instance answered in time; the call may or may not have changed.");
        }

        var outcome = CallCommandOutcomes.TryParse(ack.Outcome, out var parsed) ? parsed : CallCommandOutcome.Refused;
        Log.CommandAnswered(context.Logger, action, callSid, ack.Outcome);
        return outcome switch
        {
            CallCommandOutcome.Done or CallCommandOutcome.Accepted =>
                Results.Json(new CommandResultView(callSid, action, ack.Outcome, ack.Detail), MainAppJsonContext.Default.CommandResultView, statusCode: outcome.HttpStatus()),
            CallCommandOutcome.NotFound => AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"No voice-server instance holds call {callSid} ({ack.Detail})."),
            CallCommandOutcome.Conflict => AdminApi.Error(StatusCodes.Status409Conflict, "conflict", ack.Detail),
            CallCommandOutcome.Invalid => AdminApi.Error(StatusCodes.Status400BadRequest, "invalid_command", ack.Detail),
            CallCommandOutcome.Failed => AdminApi.Error(StatusCodes.Status502BadGateway, "failed", ack.Detail),
            // The voice server did not accept the signature: the two CONFIG_SIGNING_KEYs differ, or the clocks do.
            _ => AdminApi.Error(StatusCodes.Status502BadGateway, "refused_by_voice_server", $"The voice server refused the command: {ack.Detail}."),
        };
    }

    private static IResult Invalid(string field, string message) =>
        Results.Json(new ErrorBody("invalid_field", message, field), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>What every command endpoint needs, in one service.</summary>
    internal sealed class CommandContext(IOptions<MainAppOptions> options, ICallCommandSender sender, TimeProvider time, ILogger<CommandContext> logger)
    {
        public IOptions<MainAppOptions> Options => options;

        public ICallCommandSender Sender => sender;

        public TimeProvider Time => time;

        public ILogger Logger => logger;
    }

    private static partial class Log
    {
        [LoggerMessage(130, LogLevel.Information, "Live-call command {Action} for {CallSid}: {Outcome}")]
        public static partial void CommandAnswered(ILogger logger, string action, string callSid, string outcome);

        [LoggerMessage(131, LogLevel.Warning, "Live-call command {Action} for {CallSid}: no voice-server instance answered in time")]
        public static partial void CommandUnanswered(ILogger logger, string action, string callSid);
    }
}
