using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Secrets;

namespace VoiceServer.Tests.MainApp;

/// <summary>Reads a main app's config token as the voice server would (signature and encryption checked), for its claims.</summary>
internal static class WebhookConfig
{
    /// <summary>A value whole under its name, or joined again from <c>name.0</c>, <c>name.1</c>, ….</summary>
    public static string Joined(IReadOnlyDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var whole)
            ? whole
            : string.Concat(parameters.Where(p => p.Key.StartsWith(name + ".", StringComparison.Ordinal))
                .OrderBy(p => int.Parse(p.Key[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Select(p => p.Value));

    public static async Task<JsonObject> ClaimsAsync(string token)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAudience = SignedConfigurationKeys.Audience,
            ValidateIssuer = false,
            IssuerSigningKey = new SymmetricSecurityKey(SignedConfigurationKeys.SigningKey(SystemHarness.ConfigKey)),
            TokenDecryptionKey = new SymmetricSecurityKey(SignedConfigurationKeys.EncryptionKey(SystemHarness.ConfigKey)) { KeyId = SignedConfigurationKeys.EncryptionKeyId },
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var decrypted = (JsonWebToken)result.SecurityToken;
        return JsonNode.Parse(Base64UrlEncoder.Decode(decrypted.InnerToken?.EncodedPayload ?? decrypted.EncodedPayload))!.AsObject();
    }
}
