namespace VoiceServer.Security;

/// <summary>What the replay guard knows about a token id it was asked to use.</summary>
internal enum TokenUse
{
    /// <summary>The id had not been used: it is now remembered, and the token may configure the call.</summary>
    First,

    /// <summary>The id was used before (on any instance sharing the store): the token is a replay.</summary>
    Replay,

    /// <summary>The store could not be asked in time. The token must be refused: a guard that fails open is no guard.</summary>
    CheckUnavailable,
}

/// <summary>
/// Remembers the ids (<c>jti</c>) of used signed configuration tokens until the tokens expire, so that each token
/// configures one call only: in this process (<see cref="InMemoryTokenReplayGuard"/>), or in Redis for every
/// instance at once when <c>REDIS_URL</c> is set (<see cref="RedisTokenReplayGuard"/>).
/// </summary>
internal interface ITokenReplayGuard
{
    /// <summary>
    /// Uses <paramref name="tokenId"/>, atomically: of two concurrent uses of one id, only one gets
    /// <see cref="TokenUse.First"/>. The id is remembered until <paramref name="expiresAt"/>, the moment after which the
    /// token would be refused as expired anyway. Never throws for an unreachable store; answers
    /// <see cref="TokenUse.CheckUnavailable"/> instead, within a bounded time.
    /// </summary>
    ValueTask<TokenUse> UseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
