using Microsoft.Extensions.Options;
using VoiceServer.Configuration;

namespace VoiceServer.Hosting;

/// <summary>Says at start-up, loudly, when the operator chose a setting that leaves the server open.</summary>
internal static partial class SecurityAnnouncements
{
    public static void AnnounceOpenSettings(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<VoiceServerOptions>>().Value;
        var open = options.PathsOpenToStrangers(
            app.Services.GetRequiredService<IOptions<TelnyxOptions>>().Value.StreamAuthToken,
            app.Services.GetRequiredService<IOptions<PlivoOptions>>().Value.AuthToken,
            app.Services.GetRequiredService<IOptions<VonageOptions>>().Value.SignatureSecret);
        if (!options.AllowUnauthenticated || open.Count == 0)
        {
            return;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceServer.Security");
        var paths = string.Join(", ", open);
        app.Lifetime.ApplicationStarted.Register(() => Log.UnauthenticatedCalls(logger, paths));
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Warning,
            "*** ALLOW_UNAUTHENTICATED IS SET *** Anyone who reaches {OpenPaths} can talk to an agent of their own on OPENAI_API_KEY. " +
            "For local experiments only: set CONFIG_SIGNING_KEY or the settings named there, and remove it before the server is reachable from anywhere else.")]
        public static partial void UnauthenticatedCalls(ILogger logger, string openPaths);
    }
}
