namespace VoiceServer.Simulator;

/// <summary>Where per-call parameters travel.</summary>
public enum ParameterPlacement
{
    /// <summary>In <c>start.customParameters</c>, as Twilio delivers <c>&lt;Parameter&gt;</c> values.</summary>
    Custom,

    /// <summary>In the upgrade URL's query string, as non-Twilio clients may send them.</summary>
    Query,
}
