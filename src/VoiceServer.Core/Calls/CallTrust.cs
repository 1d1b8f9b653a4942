namespace VoiceServer.Calls;

/// <summary>
/// What the source of a call's configuration proves, and so what the configuration may make the server do beyond
/// the call itself. Plain parameters prove nothing: whoever reaches the media socket could have written them.
/// </summary>
/// <param name="SignedByOperator">The operator's main app signed it: its <c>callbackUrl</c> is where the record goes.</param>
/// <param name="BoundToCall">The signature names this call's CallSid: hang-up and transfer may act on that call through the telephony API.</param>
public sealed record CallTrust(bool SignedByOperator, bool BoundToCall)
{
    public static CallTrust Unproven { get; } = new(SignedByOperator: false, BoundToCall: false);
}

/// <summary>The server-wide rules a call's parameters are resolved under.</summary>
public sealed record CallResolutionRules
{
    /// <summary><c>OPENAI_API_KEY</c>: used by calls that bring no key of their own.</summary>
    public string? ServerApiKey { get; init; }

    /// <summary>
    /// The models a call may name when it runs on <see cref="ServerApiKey"/> (<c>OPENAI_REALTIME_MODELS</c>); null allows
    /// any. A call on its own key may name any model: it pays for it.
    /// </summary>
    public IReadOnlyCollection<string>? ServerKeyModels { get; init; }

    public CallTrust Trust { get; init; } = CallTrust.Unproven;
}
