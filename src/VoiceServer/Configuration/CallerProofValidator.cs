using Microsoft.Extensions.Options;

namespace VoiceServer.Configuration;

/// <summary>
/// Refuses to start a server whose key strangers could spend: a served media-stream path with nothing that proves who
/// calls, unless the operator opted out with <c>ALLOW_UNAUTHENTICATED</c>. The refusal names each open path and the
/// setting that would close it. The providers' tokens are read from the configuration, not from their options: those
/// options validate against these, and resolving them here would wait on itself.
/// </summary>
internal sealed class CallerProofValidator(IConfiguration configuration) : IValidateOptions<VoiceServerOptions>
{
    public ValidateOptionsResult Validate(string? name, VoiceServerOptions options)
    {
        var open = options.PathsOpenToStrangers(Setting("TELNYX_STREAM_AUTH_TOKEN"), Setting("PLIVO_AUTH_TOKEN"), Setting("VONAGE_SIGNATURE_SECRET"));
        return open.Count == 0 || options.AllowUnauthenticated
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"OPENAI_API_KEY is set, but nothing proves who a call comes from on {string.Join(", ", open)}: anyone who reaches it could talk to an agent on this key. " +
                "Set CONFIG_SIGNING_KEY (proves every path), the setting named beside the path, or leave its provider out of CALLER_PROVIDERS; " +
                "for a local experiment only, ALLOW_UNAUTHENTICATED=true.");
    }

    private string? Setting(string name) => string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name];
}
