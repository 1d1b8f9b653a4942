using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Hosting;

/// <summary>
/// What a production deployment cannot run without: the secrets that authenticate the two endpoints strangers can
/// reach. Without <c>TWILIO_AUTH_TOKEN</c> anyone can POST the voice webhook and read an agent's prompt, greeting and
/// tool URLs from its TwiML; without <c>CALL_EVENTS_SIGNING_KEY</c> anyone can store call records. Only the explicit
/// <c>ALLOW_UNAUTHENTICATED=true</c> lets the app start without them (development, announced at start-up).
/// </summary>
internal sealed class MainAppOptionsValidator : IValidateOptions<MainAppOptions>
{
    public ValidateOptionsResult Validate(string? name, MainAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AllowUnauthenticated)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.TwilioAuthToken is null && options.Serves(PhoneProvider.Twilio))
        {
            failures.Add("TWILIO_AUTH_TOKEN is required: without it anyone can call the voice webhook and read agents' prompts and tool URLs from the TwiML (ALLOW_UNAUTHENTICATED=true starts without it, for development only)");
        }

        if (options.CallEventsSigningKey is null)
        {
            failures.Add("CALL_EVENTS_SIGNING_KEY is required (the same value as the voice server's): without it anyone can store call records (ALLOW_UNAUTHENTICATED=true starts without it, for development only)");
        }

        // Listed in CALLER_PROVIDERS, a provider's webhooks must be authenticated as Twilio's are.
        foreach (var provider in options.CallerProviders ?? new HashSet<PhoneProvider>())
        {
            if (provider != PhoneProvider.Twilio && options.SecretOf(provider) is null)
            {
                failures.Add($"{MainAppOptions.SecretName(provider)} is required while CALLER_PROVIDERS names {provider.Name()}: without it anyone can call its webhook and read agents' prompts and tool URLs (ALLOW_UNAUTHENTICATED=true starts without it, for development only)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
