using System.Net;
using VoiceServer.Outbound;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Outbound;

/// <summary><c>OUTBOUND_ALLOWED_HOSTS</c>: names allow a name, addresses and CIDR ranges allow addresses, anything else stops the boot.</summary>
public sealed class OutboundAllowListTests
{
    private static OutboundAllowList Parse(string text)
    {
        Assert.True(OutboundAllowList.TryParse(text, out var allowList, out var problem), problem);
        return allowList;
    }

    [Fact]
    public void Addresses_AndRanges_AllowThoseAddresses_InEveryForm()
    {
        var allowList = Parse(" 127.0.0.1 , 10.0.0.0/8, fd00::/8, [::1] ");

        Assert.True(allowList.AllowsAddress(IPAddress.Parse("127.0.0.1")));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("10.200.0.7")));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("::ffff:10.200.0.7")));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("fd12::5")));
        Assert.True(allowList.AllowsAddress(IPAddress.Parse("::1")));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("127.0.0.2")));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("11.0.0.1")));
        Assert.False(allowList.AllowsAddress(IPAddress.Parse("fe80::1")));
        // An address entry is not a name: it allows what a name resolves to, never a host name.
        Assert.False(allowList.AllowsHostName("127.0.0.1"));
    }

    [Fact]
    public void HostNames_AllowThatNameOnly_CaseAndTrailingDotAside()
    {
        var allowList = Parse("events.internal., localhost");

        Assert.True(allowList.AllowsHostName("EVENTS.internal"));
        Assert.True(allowList.AllowsHostName("events.internal."));
        Assert.True(allowList.AllowsHostName("localhost"));
        Assert.False(allowList.AllowsHostName("tools.internal"));
        Assert.False(allowList.AllowsHostName("internal"));
        Assert.False(allowList.AllowsAddress(IPAddress.Loopback));
    }

    [Fact]
    public void Unset_AllowsNothing()
    {
        Assert.True(Parse(string.Empty).IsEmpty);
        Assert.True(OutboundAllowList.TryParse(null, out var unset, out _) && unset.IsEmpty);
    }

    [Theory]
    [InlineData("https://events.internal/")]
    [InlineData("events.internal:8080")]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("*")]
    [InlineData("events internal")]
    public void NotANameAddressOrRange_Refused_NamingTheEntry(string entry)
    {
        Assert.False(OutboundAllowList.TryParse($"localhost,{entry}", out _, out var problem));
        Assert.Contains(entry, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidSetting_StopsTheBoot_NamingIt()
    {
        using var timeout = TestTimeout.Create();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["OUTBOUND_ALLOWED_HOSTS"] = "https://events.internal/" },
            cancellationToken: timeout.Token));
        Assert.Contains("OUTBOUND_ALLOWED_HOSTS", failure.Message, StringComparison.Ordinal);
    }
}
