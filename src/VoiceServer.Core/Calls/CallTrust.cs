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
