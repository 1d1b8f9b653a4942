using VoiceServer.Secrets;

namespace VoiceServer.Security;

/// <summary>Checks <c>Authorization: Bearer &lt;token&gt;</c> against a configured secret, in constant time.</summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    public static bool IsPresented(HttpRequest request, string expected)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && SharedSecret.Matches(header[Scheme.Length..].Trim(), expected);
    }
}
