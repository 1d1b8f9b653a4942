using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Legs;

namespace VoiceServer.Calls;

/// <summary>
/// Plain parameters: query string and custom parameters (custom wins), the server's key as the fallback. Nothing
/// vouches for them, so what they may set is limited (<see cref="CallTrust.Unproven"/>); what was dropped is logged
/// once per process, not once per call.
/// </summary>
public sealed partial class PlainCallConfigurationResolver(CallResolutionRules rules, ILogger? logger = null) : ICallConfigurationResolver
{
    private readonly CallResolutionRules _rules = rules with { Trust = CallTrust.Unproven };
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private int _ignoredReported;

    public ValueTask<CallConfigurationResult> ResolveAsync(IReadOnlyDictionary<string, string> query, CallerStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        if (!CallParameters.TryResolve(query, start.CustomParameters, _rules, out var configuration, out var error))
        {
            return ValueTask.FromResult(CallConfigurationResult.Failure(error));
        }

        if (configuration.IgnoredParameters.Count > 0 && Interlocked.Exchange(ref _ignoredReported, 1) == 0)
        {
            Log.UnprovenParametersIgnored(_logger, string.Join(", ", configuration.IgnoredParameters));
        }

        return ValueTask.FromResult(CallConfigurationResult.Success(configuration));
    }

    private static partial class Log
    {
        [LoggerMessage(198, LogLevel.Warning, "Calls with plain parameters cannot set {Parameters}: their records go to CALL_EVENTS_URL and call control (transfer, hang-up through the telephony API) is off. Send a signed configuration (CONFIG_SIGNING_KEY) bound to the CallSid for those. Logged once.")]
        public static partial void UnprovenParametersIgnored(ILogger logger, string parameters);
    }
}
