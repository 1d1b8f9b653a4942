using System.Net;
using System.Net.Sockets;

namespace VoiceServer.Outbound;

/// <summary>
/// Classifies the addresses a webhook URL resolves to, so that tools and call records cannot be pointed at the
/// server's own machine, its private network or a cloud metadata service (169.254.169.254). IPv6 forms that carry
/// an IPv4 address (IPv4-mapped, NAT64, 6to4) are classified by the IPv4 address inside them.
/// </summary>
internal static class AddressClassifier
{
    private static readonly (IPNetwork Network, AddressRange Range)[] s_ipv4Ranges =
    [
        (IPNetwork.Parse("255.255.255.255/32"), AddressRange.Broadcast),
        // "This network": 0.0.0.0 itself reaches the local host on Linux.
        (IPNetwork.Parse("0.0.0.0/8"), AddressRange.Unspecified),
        (IPNetwork.Parse("10.0.0.0/8"), AddressRange.Private),
        (IPNetwork.Parse("100.64.0.0/10"), AddressRange.SharedCarrierGradeNat),
        (IPNetwork.Parse("127.0.0.0/8"), AddressRange.Loopback),
        (IPNetwork.Parse("169.254.0.0/16"), AddressRange.LinkLocal),
        (IPNetwork.Parse("172.16.0.0/12"), AddressRange.Private),
        // IETF protocol assignments, documentation and benchmarking ranges: never a real receiver.
        (IPNetwork.Parse("192.0.0.0/24"), AddressRange.Reserved),
        (IPNetwork.Parse("192.0.2.0/24"), AddressRange.Reserved),
        (IPNetwork.Parse("192.168.0.0/16"), AddressRange.Private),
        (IPNetwork.Parse("198.18.0.0/15"), AddressRange.Reserved),
        (IPNetwork.Parse("198.51.100.0/24"), AddressRange.Reserved),
        (IPNetwork.Parse("203.0.113.0/24"), AddressRange.Reserved),
        (IPNetwork.Parse("224.0.0.0/4"), AddressRange.Multicast),
        (IPNetwork.Parse("240.0.0.0/4"), AddressRange.Reserved),
    ];

    private static readonly (IPNetwork Network, AddressRange Range)[] s_ipv6Ranges =
    [
        (IPNetwork.Parse("::/128"), AddressRange.Unspecified),
        (IPNetwork.Parse("::1/128"), AddressRange.Loopback),
        // IPv4-compatible addresses (deprecated), the local-use NAT64 prefix, discard-only, Teredo and documentation.
        (IPNetwork.Parse("::/96"), AddressRange.Reserved),
        (IPNetwork.Parse("64:ff9b:1::/48"), AddressRange.Private),
        (IPNetwork.Parse("100::/64"), AddressRange.Reserved),
        (IPNetwork.Parse("2001::/32"), AddressRange.Reserved),
        (IPNetwork.Parse("2001:db8::/32"), AddressRange.Reserved),
        (IPNetwork.Parse("fc00::/7"), AddressRange.UniqueLocal),
        (IPNetwork.Parse("fe80::/10"), AddressRange.LinkLocal),
        // Site-local (deprecated): private in all but name.
        (IPNetwork.Parse("fec0::/10"), AddressRange.Private),
        (IPNetwork.Parse("ff00::/8"), AddressRange.Multicast),
    ];

    private static readonly IPNetwork s_nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork s_6to4 = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork s_globalUnicast = IPNetwork.Parse("2000::/3");

    public static AddressRange Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return Classify(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Find(s_ipv4Ranges, address) ?? AddressRange.Public;
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return AddressRange.Reserved;
        }

        // The scope (fe80::1%eth0) does not change where an address leads.
        var unscoped = address.ScopeId == 0 ? address : new IPAddress(address.GetAddressBytes());
        if (s_nat64.Contains(unscoped))
        {
            return Classify(new IPAddress(unscoped.GetAddressBytes().AsSpan(12, 4)));
        }

        if (s_6to4.Contains(unscoped))
        {
            return Classify(new IPAddress(unscoped.GetAddressBytes().AsSpan(2, 4)));
        }

        // Outside 2000::/3 nothing is allocated for global unicast.
        return Find(s_ipv6Ranges, unscoped) ?? (s_globalUnicast.Contains(unscoped) ? AddressRange.Public : AddressRange.Reserved);
    }

    /// <summary>The range as the log names it.</summary>
    public static string ToName(this AddressRange range) => range switch
    {
        AddressRange.Public => "public",
        AddressRange.Unspecified => "unspecified",
        AddressRange.Loopback => "loopback",
        AddressRange.Private => "private",
        AddressRange.SharedCarrierGradeNat => "carrier-grade NAT",
        AddressRange.LinkLocal => "link-local",
        AddressRange.UniqueLocal => "unique-local",
        AddressRange.Multicast => "multicast",
        AddressRange.Broadcast => "broadcast",
        _ => "reserved",
    };

    private static AddressRange? Find((IPNetwork Network, AddressRange Range)[] ranges, IPAddress address)
    {
        foreach (var (network, range) in ranges)
        {
            if (network.Contains(address))
            {
                return range;
            }
        }

        return null;
    }
}
