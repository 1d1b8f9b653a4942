using Microsoft.Extensions.Options;
using VoiceServer.Configuration;

namespace VoiceServer.Hosting;

/// <summary>Says at start-up, loudly, when the operator chose a setting that leaves the server open.</summary>
internal static partial class SecurityAnnouncements
{
    public static void AnnounceOpenSettings(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<VoiceServerOptions>>().Value;
        if (!options.RunsUnauthenticated)
        {
            return;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceServer.Security");
        app.Lifetime.ApplicationStarted.Register(() => Log.UnauthenticatedCalls(logger));
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Warning,
            "*** ALLOW_UNAUTHENTICATED IS SET *** Anyone who reaches /api/twilio/media-stream can talk to an agent of their own on OPENAI_API_KEY. " +
            "For local experiments only: set TWILIO_AUTH_TOKEN or CONFIG_SIGNING_KEY and remove it before the server is reachable from anywhere else.")]
        public static partial void UnauthenticatedCalls(ILogger logger);
    }
}
