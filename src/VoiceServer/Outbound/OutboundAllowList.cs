using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace VoiceServer.Outbound;

/// <summary>
/// <c>OUTBOUND_ALLOWED_HOSTS</c>: the internal destinations an operator lets tools and call records reach. A host
/// name entry (<c>events.internal</c>) allows that name, whatever it resolves to; an IP (<c>10.0.0.5</c>,
/// <c>fd00::5</c>) or CIDR (<c>10.0.0.0/8</c>) entry allows those addresses, whatever name led to them.
/// </summary>
internal sealed class OutboundAllowList
{
    private readonly HashSet<string> _hostNames;
    private readonly IPNetwork[] _networks;

    private OutboundAllowList(HashSet<string> hostNames, IPNetwork[] networks)
    {
        _hostNames = hostNames;
        _networks = networks;
    }

    public static OutboundAllowList Empty { get; } = new([], []);

    public bool IsEmpty => _hostNames.Count == 0 && _networks.Length == 0;

    /// <summary>Parses the comma-separated setting; <paramref name="problem"/> names the first entry that is neither a host name, an IP nor a CIDR.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out OutboundAllowList? allowList, [NotNullWhen(false)] out string? problem)
    {
        var hostNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var networks = new List<IPNetwork>();
        foreach (var entry in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/', StringComparison.Ordinal))
            {
                // 10.0.0.5/8 is refused, not read as 10.0.0.0/8: a typo must not widen what is allowed.
                if (!IPNetwork.TryParse(entry, out var network) ||
                    !IPAddress.TryParse(entry.AsSpan(0, entry.IndexOf('/', StringComparison.Ordinal)), out var written) ||
                    !written.Equals(network.BaseAddress))
                {
                    allowList = null;
                    problem = $"'{entry}' is not a CIDR range (its address must have no bits set past the prefix, e.g. 10.0.0.0/8).";
                    return false;
                }

                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Normalize(address);
                networks.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns)
            {
                hostNames.Add(entry.TrimEnd('.'));
            }
            else
            {
                allowList = null;
                problem = $"'{entry}' is neither a host name, an IP address nor a CIDR range (no scheme, port or path).";
                return false;
            }
        }

        allowList = new OutboundAllowList(hostNames, [.. networks]);
        problem = null;
        return true;
    }

    /// <summary>Whether the host name of the URL (not an address literal) is listed.</summary>
    public bool AllowsHostName(string host) => _hostNames.Contains(host.TrimEnd('.'));

    public bool AllowsAddress(IPAddress address)
    {
        var normalized = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(normalized))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An IPv4-mapped IPv6 address is the IPv4 address, and a scope does not change which host it is.</summary>
    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
            : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
            : address;
}
