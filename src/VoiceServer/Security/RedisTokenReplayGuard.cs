using StackExchange.Redis;
using VoiceServer.Redis;

namespace VoiceServer.Security;

/// <summary>
/// Used token ids kept in Redis, shared by every instance: <c>SET voice-server:jti:&lt;id&gt; &lt;time&gt; NX PX &lt;ms&gt;</c>,
/// so exactly one instance's SET succeeds and Redis forgets the id when the token expires. One multiplexer for the
/// process, connected in the background from start-up and reconnecting by itself. When Redis cannot answer in time
/// the check is <see cref="TokenUse.CheckUnavailable"/> and the call is refused (fail closed); other calls go on.
/// </summary>
internal sealed partial class RedisTokenReplayGuard : ITokenReplayGuard, IAsyncDisposable
{
    /// <summary>Key prefix; the rest of the key is the token's <c>jti</c>, an identifier, not a secret.</summary>
    public const string KeyPrefix = "voice-server:jti:";

    // A token at the very end of its lifetime still gets a key that outlives its check.
    private static readonly TimeSpan s_minimumLifetime = TimeSpan.FromSeconds(1);

    // Connection events are logged when the state changes, not at every reconnect attempt.
    private const int StateUnknown = 0;
    private const int StateUp = 1;
    private const int StateDown = 2;

    private readonly ConfigurationOptions _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _servers;
    private readonly TimeSpan _checkDeadline;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _connecting;
    private int _state = StateUnknown;

    public RedisTokenReplayGuard(ConfigurationOptions configuration, TimeProvider timeProvider, ILogger<RedisTokenReplayGuard> logger)
    {
        _configuration = configuration;
        _time = timeProvider;
        _logger = logger;
        _servers = RedisUrl.Describe(configuration);
        // StackExchange.Redis bounds the connect and the command by itself; this bounds the two together, whatever
        // a configuration string set, so a call never waits on Redis for longer.
        _checkDeadline = TimeSpan.FromMilliseconds(configuration.ConnectTimeout + configuration.AsyncTimeout);
    }

    /// <summary>Starts connecting (once) without waiting, so the first call does not pay for the connection.</summary>
    public void StartConnecting() => _ = ConnectAsync();

    public async ValueTask<TokenUse> UseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var lifetime = expiresAt - _time.GetUtcNow();
        if (lifetime < s_minimumLifetime)
        {
            lifetime = s_minimumLifetime;
        }

        try
        {
            var check = CheckAsync(KeyPrefix + tokenId, lifetime);
            return await check.WaitAsync(_checkDeadline, _time, cancellationToken) ? TokenUse.First : TokenUse.Replay;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.ReplayCheckFailed(_logger, _servers, ex.GetType().Name, Redact(ex.Message));
            return TokenUse.CheckUnavailable;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? connecting;
        lock (_gate)
        {
            connecting = _connecting;
        }

        if (connecting is null)
        {
            return;
        }

        // A connect still under way ends within its ConnectTimeout; disposing the multiplexer stops its reconnects.
        try
        {
            await (await connecting).DisposeAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Nothing was connected.
        }
    }

    private async Task<bool> CheckAsync(string key, TimeSpan lifetime)
    {
        var connection = await ConnectAsync();
        // The value says when the id was used, for whoever looks at the key; it is never read back.
        return await connection.GetDatabase().StringSetAsync(key, _time.GetUtcNow().ToUnixTimeMilliseconds(), lifetime, When.NotExists);
    }

    private Task<ConnectionMultiplexer> ConnectAsync()
    {
        lock (_gate)
        {
            // With AbortOnConnectFail off the connect does not fail for an unreachable server; should it fail for
            // another reason, the next check tries again rather than keeping the failure.
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectCoreAsync();
            }

            return _connecting;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectCoreAsync()
    {
        Log.RedisConnecting(_logger, _servers, _configuration.Ssl);
        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(_configuration);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            ChangeState(up: false, failure: ex.GetType().Name);
            throw;
        }

        connection.ConnectionFailed += OnConnectionFailed;
        connection.ConnectionRestored += OnConnectionRestored;
        if (connection.IsConnected)
        {
            ChangeState(up: true, failure: null);
        }
        else
        {
            ChangeState(up: false, failure: "not connected after the first attempt");
        }

        return connection;
    }

    // Only the interactive connection carries the SETs; the subscription connection's state says nothing here.
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            ChangeState(up: false, failure: e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            ChangeState(up: true, failure: null);
        }
    }

    private void ChangeState(bool up, string? failure)
    {
        var state = up ? StateUp : StateDown;
        if (Interlocked.Exchange(ref _state, state) == state)
        {
            return;
        }

        if (up)
        {
            Log.RedisConnected(_logger, _servers);
        }
        else
        {
            Log.RedisUnreachable(_logger, _servers, failure ?? "unknown");
        }
    }

    // StackExchange.Redis keeps passwords out of its messages; this makes sure of it.
    private string Redact(string text) =>
        string.IsNullOrEmpty(_configuration.Password) ? text : text.Replace(_configuration.Password, "***", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(510, LogLevel.Information, "Replay guard: connecting to Redis at {Servers} (TLS {Tls})")]
        public static partial void RedisConnecting(ILogger logger, string servers, bool tls);

        [LoggerMessage(511, LogLevel.Information, "Replay guard: connected to Redis at {Servers}")]
        public static partial void RedisConnected(ILogger logger, string servers);

        [LoggerMessage(512, LogLevel.Error, "Replay guard: Redis at {Servers} is unreachable ({Failure}); signed calls are refused until it is back")]
        public static partial void RedisUnreachable(ILogger logger, string servers, string failure);

        [LoggerMessage(513, LogLevel.Error, "Replay guard: the check in Redis at {Servers} failed ({ExceptionType}: {Detail}); the call is refused")]
        public static partial void ReplayCheckFailed(ILogger logger, string servers, string exceptionType, string detail);
    }
}
