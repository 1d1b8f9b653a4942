using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VoiceServer.Commands;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Redis;

namespace VoiceServer.MainApp.LiveCalls;

/// <summary>
/// With <c>REDIS_URL</c>, the command is PUBLISHed on the call's own channel, which only the instance holding the
/// call subscribes to: 0 receivers means no instance holds it. The answer comes back, signed, on this process's own
/// reply channel (subscribed once), matched to its command by id; none within <see cref="AckTimeout"/> is reported as such.
/// </summary>
internal sealed partial class RedisCallCommandSender : ICallCommandSender, IAsyncDisposable
{
    /// <summary>Longer than the voice server's own bound on a telephony API call (10 s), so its answer can arrive.</summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(15);

    private readonly ConfigurationOptions _configuration;
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _replyChannel = CallCommandChannels.ReplyPrefix + Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CallCommandAck>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public RedisCallCommandSender(IOptions<MainAppOptions> options, TimeProvider timeProvider, ILogger<RedisCallCommandSender> logger)
    {
        _configuration = options.Value.Redis!;
        _key = options.Value.CommandKey!;
        _time = timeProvider;
        _logger = logger;
    }

    public async Task<CallCommandAck?> SendAsync(CallCommand command, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(command with { ReplyTo = _replyChannel }, CallCommandJsonContext.Default.CallCommand);
        var answer = new TaskCompletionSource<CallCommandAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[command.Id] = answer;
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            var receivers = await connection.GetSubscriber().PublishAsync(
                RedisChannel.Literal(CallCommandChannels.ForCall(command.CallSid)),
                CallCommandSignature.Wrap(_key, CallCommandSignature.Purpose.Command, body)).WaitAsync(cancellationToken);
            if (receivers == 0)
            {
                return new CallCommandAck(command.Id, command.CallSid, CallCommandOutcome.NotFound.ToName(), "no voice-server instance holds this call");
            }

            return await answer.Task.WaitAsync(AckTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Log.NoAcknowledgement(_logger, command.CallSid, command.Action);
            return null;
        }
        catch (RedisException ex)
        {
            // Redis unreachable or refusing: the operator gets the 504, never a 500 (the next command tries again).
            Log.RedisFailed(_logger, command.CallSid, ex.GetType().Name);
            return null;
        }
        finally
        {
            _pending.TryRemove(command.Id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync();
        }

        _connectGate.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var connection = await ConnectionMultiplexer.ConnectAsync(_configuration);
                try
                {
                    // Subscribed before the first command goes out, so no answer can arrive unheard.
                    await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_replyChannel), (_, message) => OnReply(message));
                }
                catch
                {
                    await connection.DisposeAsync();
                    throw;
                }

                Log.Connected(_logger, RedisUrl.Describe(_configuration));
                _connection = connection;
            }

            return _connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void OnReply(RedisValue message)
    {
        // Only the voice servers hold the key: an answer that is not theirs is dropped, whatever it claims.
        if (!CallCommandSignature.TryUnwrap(message, out var signature, out var body) ||
            !CallCommandSignature.IsValid(signature, _key, CallCommandSignature.Purpose.Ack, body))
        {
            Log.ReplyRefused(_logger);
            return;
        }

        CallCommandAck? ack;
        try
        {
            ack = JsonSerializer.Deserialize(body, CallCommandJsonContext.Default.CallCommandAck);
        }
        catch (JsonException)
        {
            ack = null;
        }

        if (ack?.Id is { } id && _pending.TryGetValue(id, out var answer))
        {
            answer.TrySetResult(ack);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(133, LogLevel.Information, "Live-call commands: Redis at {Servers}")]
        public static partial void Connected(ILogger logger, string servers);

        [LoggerMessage(134, LogLevel.Warning, "Live-call command {Action} for {CallSid}: no acknowledgement in time")]
        public static partial void NoAcknowledgement(ILogger logger, string callSid, string action);

        [LoggerMessage(135, LogLevel.Error, "Live-call command for {CallSid}: Redis failed ({Failure})")]
        public static partial void RedisFailed(ILogger logger, string callSid, string failure);

        [LoggerMessage(136, LogLevel.Warning, "Live-call commands: a reply without a valid signature was dropped")]
        public static partial void ReplyRefused(ILogger logger);
    }
}
