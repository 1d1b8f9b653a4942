namespace VoiceServer.Tests.Infrastructure;

/// <summary>The ways a URL can name this machine, for tests that the outbound address guard refuses them all.</summary>
public static class LoopbackSpellings
{
    /// <summary>
    /// A name, dotted, short, integer and hexadecimal IPv4, IPv6 and IPv4-mapped IPv6; the flag says whether a
    /// receiver must listen on IPv6 loopback for the spelling to reach it.
    /// </summary>
    public static TheoryData<string, bool> All => new()
    {
        { "127.0.0.1", false },
        { "localhost", false },
        { "127.1", false },
        { "2130706433", false },
        { "0x7f000001", false },
        { "[::1]", true },
        { "[::ffff:127.0.0.1]", false },
    };
}
