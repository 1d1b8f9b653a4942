namespace VoiceServer.Outbound;

/// <summary>Where an IP address leads, as far as the outbound guard cares: only <see cref="Public"/> is reachable unlisted.</summary>
internal enum AddressRange
{
    Public,
    Unspecified,
    Loopback,
    Private,
    SharedCarrierGradeNat,
    LinkLocal,
    UniqueLocal,
    Multicast,
    Broadcast,
    Reserved,
}
