using VoiceServer.Configuration;
using VoiceServer.OpenAI;
using VoiceServer.RealtimeEmulator;

namespace VoiceServer.LocalEmulator;

/// <summary>
/// The opt-in local mode: the Realtime emulator is mapped on this server and every call's model connection goes
/// to it. Only <c>--local-emulator</c> or <c>VOICE_SERVER_LOCAL_EMULATOR=true</c> turns it on, and it is
/// announced at start-up: a production server never falls back to it.
/// </summary>
internal static partial class LocalEmulatorExtensions
{
    public const string Flag = "--local-emulator";

    /// <summary>The key calls use when neither the call nor the server has one: the emulator ignores it.</summary>
    private const string PlaceholderKey = "local-emulator-no-key";

    public static string[] TranslateFlag(string[] args) =>
        [.. args.Select(static arg => arg == Flag ? "--VOICE_SERVER_LOCAL_EMULATOR=true" : arg)];

    private static bool IsEnabled(IConfiguration configuration) =>
        bool.TryParse(configuration["VOICE_SERVER_LOCAL_EMULATOR"], out var enabled) ? enabled : configuration["VOICE_SERVER_LOCAL_EMULATOR"] == "1";

    public static void AddLocalRealtimeEmulator(this WebApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return;
        }

        builder.Services.AddRealtimeEmulator();
        builder.Services.AddSingleton<IRealtimeEndpoint, LocalEmulatorEndpoint>();
        builder.Services.PostConfigure<VoiceServerOptions>(static options => options.OpenAIApiKey ??= PlaceholderKey);
    }

    public static void MapLocalRealtimeEmulator(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return;
        }

        app.MapRealtimeEmulator();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceServer.LocalEmulator");
        var endpoint = app.Services.GetRequiredService<IRealtimeEndpoint>();
        app.Lifetime.ApplicationStarted.Register(() => Log.EmulatorEnabled(logger, endpoint.Url));
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning,
            "*** LOCAL REALTIME EMULATOR ENABLED *** Calls are answered by the built-in emulator at {Url} (it repeats the caller back), not by OpenAI. " +
            "For real calls, start without --local-emulator and set OPENAI_API_KEY.")]
        public static partial void EmulatorEnabled(ILogger logger, Uri url);
    }
}
