using Microsoft.Extensions.Options;
using VoiceServer.Configuration;

namespace VoiceServer.Security;

/// <summary>
/// Connects to Redis at start-up when signed configurations are checked there, without holding the start-up: a
/// wrong <c>REDIS_URL</c> shows in the log at deploy time, and the first call does not wait for the connection.
/// </summary>
internal sealed partial class TokenReplayGuardWarmUp(
    IOptions<VoiceServerOptions> options,
    IOptions<TokenReplayOptions> replayOptions,
    IServiceProvider services,
    ILogger<TokenReplayGuardWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.ConfigSigningKey is null)
        {
            if (replayOptions.Value.Redis is not null)
            {
                Log.RedisUnused(logger);
            }
        }
        else if (services.GetRequiredService<ITokenReplayGuard>() is RedisTokenReplayGuard redis)
        {
            redis.StartConnecting();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(514, LogLevel.Warning, "REDIS_URL is set but CONFIG_SIGNING_KEY is not: there are no signed configurations to guard, so Redis is not used")]
        public static partial void RedisUnused(ILogger logger);
    }
}
