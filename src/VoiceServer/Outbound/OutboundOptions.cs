namespace VoiceServer.Outbound;

/// <summary>Settings of the outbound guard (see docs/configuration.md).</summary>
internal sealed class OutboundOptions
{
    /// <summary><c>OUTBOUND_ALLOWED_HOSTS</c>: internal destinations that tools and call records may reach.</summary>
    public OutboundAllowList AllowList { get; set; } = OutboundAllowList.Empty;
}
