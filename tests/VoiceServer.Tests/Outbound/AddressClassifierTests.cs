using System.Net;
using VoiceServer.Outbound;

namespace VoiceServer.Tests.Outbound;

/// <summary>Which addresses the outbound guard lets tools and call records reach, range by range, with the edges of each.</summary>
public sealed class AddressClassifierTests
{
    [Theory]
    // IPv4: "this network" and the unspecified address, private, carrier-grade NAT, loopback, link-local (cloud
    // metadata), reserved, multicast, broadcast.
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "unspecified")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.0.0.2", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("192.0.0.8", "reserved")]
    [InlineData("192.0.2.1", "reserved")]
    [InlineData("198.18.0.1", "reserved")]
    [InlineData("203.0.113.9", "reserved")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    // IPv6 and the IPv4 forms it can carry (mapped, NAT64, 6to4), classified by the IPv4 address inside.
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:7f00:2", "loopback")]
    [InlineData("::ffff:0.0.0.0", "unspecified")]
    [InlineData("::ffff:10.1.2.3", "private")]
    [InlineData("::ffff:172.16.0.1", "private")]
    [InlineData("::ffff:192.168.0.1", "private")]
    [InlineData("::ffff:100.64.0.1", "carrier-grade NAT")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:224.0.0.1", "multicast")]
    [InlineData("::ffff:255.255.255.255", "broadcast")]
    [InlineData("::127.0.0.1", "reserved")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fe80::1%2", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456:789a::1", "unique-local")]
    [InlineData("fec0::1", "private")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("ff0e::1", "multicast")]
    [InlineData("64:ff9b::7f00:1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("64:ff9b:1::a00:1", "private")]
    [InlineData("2002:7f00:1::1", "loopback")]
    [InlineData("2002:c0a8:101::1", "private")]
    [InlineData("2001:db8::1", "reserved")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved")]
    [InlineData("100::1", "reserved")]
    [InlineData("4000::1", "reserved")]
    public void NotPublic_RefusedUnlessListed(string address, string range)
    {
        // Compared by the name the refusal's log line gives the range.
        Assert.Equal(range, AddressClassifier.Classify(IPAddress.Parse(address)).ToName());
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Public_Reachable(string address)
    {
        Assert.Equal(AddressRange.Public, AddressClassifier.Classify(IPAddress.Parse(address)));
    }
}
