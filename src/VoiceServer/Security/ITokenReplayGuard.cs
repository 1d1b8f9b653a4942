namespace VoiceServer.Security;

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
