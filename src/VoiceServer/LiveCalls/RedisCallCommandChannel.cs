using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VoiceServer.Commands;
using VoiceServer.Redis;
using VoiceServer.Security;

namespace VoiceServer.LiveCalls;

/// <summary>
/// Commands across instances, when <c>REDIS_URL</c> and <c>CONFIG_SIGNING_KEY</c> are set: each held call's own channel
/// (<c>voice-server:call:&lt;CallSid&gt;</c>) is subscribed while the call is listed, so a PUBLISH reaches exactly the
/// instance holding the call, and answers 0 when none does. A channel per call rather than one pattern: a pattern
/// would deliver every command to every instance and make PUBLISH's count useless; 250 calls are 250 channels on
/// one subscription connection, one SUBSCRIBE each. The acknowledgement, signed, goes to the command's reply channel.
/// </summary>
internal sealed partial class RedisCallCommandChannel : IHostedService, IAsyncDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly LiveCallDirectory _directory;
    private readonly CallCommandReceiver _receiver;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private int _disposed;

    public RedisCallCommandChannel(
        IOptions<TokenReplayOptions> replayOptions,
        LiveCallDirectory directory,
        CallCommandReceiver receiver,
        ILogger<RedisCallCommandChannel> logger)
    {
        // The replay guard's parsed REDIS_URL; a connection of its own, so commands never queue behind replay checks.
        _configuration = receiver.Key is null ? null : replayOptions.Value.Redis?.Clone();
        _directory = directory;
        _receiver = receiver;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is not null)
        {
            _directory.Listed += OnListed;
            _directory.Unlisted += OnUnlisted;
            _ = ConnectAsync();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _directory.Listed -= OnListed;
        _directory.Unlisted -= OnUnlisted;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as a hosted service: the container disposes it once for each.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            connecting = _connecting;
        }

        if (connecting is not null)
        {
            try
            {
                await (await connecting).DisposeAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Nothing was connected.
            }
        }

        _stopping.Dispose();
    }

    private void OnListed(string callSid) => _ = SubscribeAsync(callSid);

    private void OnUnlisted(string callSid) => _ = UnsubscribeAsync(callSid);

    private async Task SubscribeAsync(string callSid)
    {
        try
        {
            var connection = await ConnectAsync();
            await connection.GetSubscriber().SubscribeAsync(
                RedisChannel.Literal(CallCommandChannels.ForCall(callSid)),
                (channel, message) => _ = HandleAsync(callSid, message));
            Log.Subscribed(_logger, callSid);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.SubscribeFailed(_logger, callSid, ex.GetType().Name);
        }
    }

    private async Task UnsubscribeAsync(string callSid)
    {
        try
        {
            var connection = await ConnectAsync();
            await connection.GetSubscriber().UnsubscribeAsync(RedisChannel.Literal(CallCommandChannels.ForCall(callSid)));
            Log.Unsubscribed(_logger, callSid);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // A connection that is gone holds no subscription either.
        }
    }

    private async Task HandleAsync(string callSid, RedisValue message)
    {
        // Off Redis's delivery thread: a hang-up waits for the telephony API.
        await Task.Yield();
        try
        {
            if (!CallCommandSignature.TryUnwrap(message, out var signature, out var body))
            {
                Log.Unreadable(_logger, callSid);
                return;
            }

            var (command, ack) = await _receiver.ReceiveAsync("redis", callSid, body, signature, _stopping.Token);
            if (command?.ReplyTo is { } replyTo && CallCommandChannels.IsValidReplyChannel(replyTo))
            {
                var ackBody = JsonSerializer.SerializeToUtf8Bytes(ack, CallCommandJsonContext.Default.CallCommandAck);
                var connection = await ConnectAsync();
                await connection.GetSubscriber().PublishAsync(RedisChannel.Literal(replyTo), CallCommandSignature.Wrap(_receiver.Key!, CallCommandSignature.Purpose.Ack, ackBody));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The server is stopping.
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.AckFailed(_logger, callSid, ex.GetType().Name);
        }
    }

    private Task<ConnectionMultiplexer> ConnectAsync()
    {
        lock (_gate)
        {
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectCoreAsync(_configuration!);
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectCoreAsync(ConfigurationOptions configuration)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        Log.Connected(_logger, RedisUrl.Describe(configuration), connection.IsConnected);
        return connection;
    }

    private static partial class Log
    {
        [LoggerMessage(910, LogLevel.Information, "Live-call commands: Redis at {Servers} (connected: {Connected}); each held call subscribes to its own channel")]
        public static partial void Connected(ILogger logger, string servers, bool connected);

        [LoggerMessage(911, LogLevel.Debug, "Live-call commands: subscribed to call {CallSid}'s channel")]
        public static partial void Subscribed(ILogger logger, string callSid);

        [LoggerMessage(915, LogLevel.Debug, "Live-call commands: unsubscribed from call {CallSid}'s channel")]
        public static partial void Unsubscribed(ILogger logger, string callSid);

        [LoggerMessage(912, LogLevel.Error, "Live-call commands: could not subscribe to call {CallSid}'s channel ({Failure}); commands for it will not find it")]
        public static partial void SubscribeFailed(ILogger logger, string callSid, string failure);

        [LoggerMessage(913, LogLevel.Warning, "Live-call commands: an unreadable message on call {CallSid}'s channel was ignored")]
        public static partial void Unreadable(ILogger logger, string callSid);

        [LoggerMessage(914, LogLevel.Warning, "Live-call commands: the acknowledgement for call {CallSid} could not be published ({Failure})")]
        public static partial void AckFailed(ILogger logger, string callSid, string failure);
    }
}
