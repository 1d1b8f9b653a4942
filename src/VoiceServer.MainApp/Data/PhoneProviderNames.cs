using System.Diagnostics.CodeAnalysis;

namespace VoiceServer.MainApp.Data;

/// <summary>A provider as it is stored and written in the admin API: lower case, one of four names.</summary>
internal static class PhoneProviderNames
{
    public const string Twilio = "twilio";
    public const string Telnyx = "telnyx";
    public const string Plivo = "plivo";
    public const string Vonage = "vonage";

    public static string Name(this PhoneProvider provider) => provider switch
    {
        PhoneProvider.Twilio => Twilio,
        PhoneProvider.Telnyx => Telnyx,
        PhoneProvider.Plivo => Plivo,
        PhoneProvider.Vonage => Vonage,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    /// <summary>Exactly one of the four names, as written (no other case, no spaces): what the database's CHECK allows.</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out PhoneProvider? provider)
    {
        provider = name switch
        {
            Twilio => PhoneProvider.Twilio,
            Telnyx => PhoneProvider.Telnyx,
            Plivo => PhoneProvider.Plivo,
            Vonage => PhoneProvider.Vonage,
            _ => null,
        };
        return provider is not null;
    }
}
