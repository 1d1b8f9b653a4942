using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Vonage;

/// <summary>Vonage's settings are checked at start-up: a bad one stops the process, and no message repeats a secret.</summary>
public sealed class VonageSettingsTests
{
    private const string ApplicationId = "aaaaaaaa-0000-4000-8000-0123456789ab";

    [Fact]
    public async Task ApplicationIdNotAUuid_RefusesToStart()
    {
        using var key = RSA.Create(2048);

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["VONAGE_APPLICATION_ID"] = "../../v1/calls",
            ["VONAGE_PRIVATE_KEY"] = key.ExportPkcs8PrivateKeyPem(),
        }));

        Assert.Contains("VONAGE_APPLICATION_ID", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OnlyOneOfApplicationIdAndPrivateKey_RefusesToStart(bool applicationIdOnly)
    {
        using var key = RSA.Create(2048);
        var pem = key.ExportPkcs8PrivateKeyPem();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            [applicationIdOnly ? "VONAGE_APPLICATION_ID" : "VONAGE_PRIVATE_KEY"] = applicationIdOnly ? ApplicationId : pem,
        }));

        Assert.Contains("go together", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY-----", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateKeyNotAnRsaPem_RefusesToStart_WithoutRepeatingIt()
    {
        const string NotAKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----";

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["VONAGE_APPLICATION_ID"] = ApplicationId,
            ["VONAGE_PRIVATE_KEY"] = NotAKey,
        }));

        Assert.Contains("VONAGE_PRIVATE_KEY", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://api.example.com")]
    [InlineData("/v1/calls")]
    public async Task ApiBaseUrlNotHttp_RefusesToStart(string url)
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?> { ["VONAGE_API_BASE_URL"] = url }));

        Assert.Contains("VONAGE_API_BASE_URL", refused.Message, StringComparison.Ordinal);
    }
}
