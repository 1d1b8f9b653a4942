namespace VoiceServer.LiveCalls;

internal static class LiveCallExtensions
{
    /// <summary>Operators' commands for live calls: the directory of held calls, the receiver, and Redis when configured.</summary>
    public static void AddLiveCalls(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<LiveCallDirectory>();
        services.AddSingleton<CallCommandReceiver>();
        services.AddSingleton<RedisCallCommandChannel>();
        services.AddHostedService(static provider => provider.GetRequiredService<RedisCallCommandChannel>());
    }
}
