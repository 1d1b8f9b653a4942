using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VoiceServer.RealtimeEmulator;

/// <summary>Registers what the Realtime emulator uses.</summary>
public static class RealtimeEmulatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the emulator's options and the system <see cref="TimeProvider"/> (unless one is registered already;
    /// the emulator's timers, session expiry and close timeout, run on it).
    /// </summary>
    public static IServiceCollection AddRealtimeEmulator(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RealtimeEmulatorOptions>();
        return services;
    }
}
