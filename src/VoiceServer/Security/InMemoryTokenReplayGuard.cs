using System.Collections.Concurrent;

namespace VoiceServer.Security;

/// <summary>
/// Used token ids kept in this process: enough for one instance. With more than one, a token used on one instance
/// would still be accepted on another; <c>REDIS_URL</c> selects <see cref="RedisTokenReplayGuard"/> for that.
/// </summary>
internal sealed class InMemoryTokenReplayGuard(TimeProvider timeProvider) : ITokenReplayGuard
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedTokenIds = new(StringComparer.Ordinal);

    /// <summary>How many ids are remembered (the expired ones go at the next use).</summary>
    public int Count => _usedTokenIds.Count;

    public ValueTask<TokenUse> UseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ForgetExpiredTokenIds();
        return ValueTask.FromResult(_usedTokenIds.TryAdd(tokenId, expiresAt) ? TokenUse.First : TokenUse.Replay);
    }

    // Token ids are kept until their token expires; past that the token would be refused as expired anyway.
    private void ForgetExpiredTokenIds()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (id, expiresAt) in _usedTokenIds)
        {
            if (expiresAt < now)
            {
                // Only this entry: an id is never used again once expired, but the pair makes that not matter.
                _usedTokenIds.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, expiresAt));
            }
        }
    }
}
