using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Secrets;

/// <summary>Checks a presented secret (an API or access key) against the configured one.</summary>
public static class SharedSecret
{
    /// <summary>
    /// Compares SHA-256 hashes in constant time, so neither the key's bytes nor its length leak through timing.
    /// </summary>
    public static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
