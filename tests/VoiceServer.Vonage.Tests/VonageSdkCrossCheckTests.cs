using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Vonage.Tests;

/// <summary>
/// Vonage's tokens checked against the official Node package (npm <c>@vonage/jwt</c>, pinned in
/// SdkCrossCheck/package-lock.json and installed by scripts/vonage-sdk-for-tests.sh, which the test command runs):
/// its <c>verifySignature</c> accepts the HS256 tokens the fake and these tests make and refuses tampered ones, as
/// <see cref="VonageJwtValidator"/> does; and <see cref="VonageCallControl"/>'s application tokens are what its
/// <c>tokenGenerate</c> makes: the same header, the same claims, a signature it verifies.
/// </summary>
public sealed class VonageSdkCrossCheckTests : IDisposable
{
    private const string Secret = "vonage-signature-secret-0123";
    private const string ApplicationId = "aaaaaaaa-0000-4000-8000-0123456789ab";

    private readonly RSA _key = RSA.Create(2048);

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task SignedWebhookTokens_TheSdkAndTheValidatorAgree()
    {
        var now = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes("""{"status":"answered"}""");
        string[] good =
        [
            VonageSignedToken.Create(Secret, now),
            VonageSignedToken.Create(Secret, now, body),
            VonageJwtValidatorTests.Sign(new JsonObject { ["iat"] = now.ToUnixTimeSeconds(), ["jti"] = "x" }, Secret),
        ];
        string[] bad =
        [
            VonageSignedToken.Create("another-secret-entirely-0000", now),
            VonageJwtValidatorTests.Sign(new JsonObject { ["iat"] = now.ToUnixTimeSeconds() }, "another-secret-entirely-0000"),
        ];

        var (verified, _) = await RunSdkAsync([.. good.Concat(bad).Select(token => (token, Secret))], generate: false);

        Assert.Equal([true, true, true, false, false], verified);
        var validator = new VonageJwtValidator(Secret);
        Assert.All(good, token => Assert.Equal(VonageJwtCheck.Valid, validator.Validate(token)));
        Assert.Equal(VonageJwtCheck.Valid, validator.Validate(good[1], body, checkBody: true));
        Assert.All(bad, token => Assert.Equal(VonageJwtCheck.BadSignature, validator.Validate(token)));
    }

    [Fact]
    public async Task ApplicationToken_SameHeaderAndClaimsAsTokenGenerate_AndTheSdkVerifiesIt()
    {
        using var control = new VonageCallControl(ApplicationId, _key.ExportPkcs8PrivateKeyPem(), new HttpClient());
        var ours = control.CreateApplicationToken();

        var (verified, generated) = await RunSdkAsync([(ours, _key.ExportSubjectPublicKeyInfoPem())], generate: true);

        Assert.Equal([true], verified);
        var (sdkHeader, sdkClaims) = Decode(generated!);
        var (ourHeader, ourClaims) = Decode(ours);
        Assert.Equal(Keys(sdkHeader), Keys(ourHeader));
        Assert.Equal("RS256", (string?)ourHeader["alg"]);
        Assert.Equal((string?)sdkHeader["typ"], (string?)ourHeader["typ"]);
        Assert.Equal(Keys(sdkClaims), Keys(ourClaims));
        Assert.Equal((string?)sdkClaims["application_id"], (string?)ourClaims["application_id"]);
        Assert.True(Guid.TryParse((string?)ourClaims["jti"], out _));
        Assert.InRange((long)ourClaims["exp"]! - (long)ourClaims["iat"]!, 60, 900);
    }

    [Fact]
    public async Task Rs256Token_TheSdkAccepts_TheValidatorPinsHs256()
    {
        // verifySignature allows RS256 and HS256 (reference §5.2); webhooks are HS256 only here.
        using var control = new VonageCallControl(ApplicationId, _key.ExportPkcs8PrivateKeyPem(), new HttpClient());
        var token = control.CreateApplicationToken();

        var (verified, _) = await RunSdkAsync([(token, _key.ExportSubjectPublicKeyInfoPem())], generate: false);

        Assert.Equal([true], verified);
        Assert.Equal(VonageJwtCheck.WrongAlgorithm, new VonageJwtValidator(Secret).Validate(token));
    }

    private static string[] Keys(JsonObject node) => [.. node.Select(static pair => pair.Key).Order(StringComparer.Ordinal)];

    private static (JsonObject Header, JsonObject Claims) Decode(string token)
    {
        var parts = token.Split('.');
        return (Part(parts[0]), Part(parts[1]));

        static JsonObject Part(string base64Url)
        {
            var base64 = base64Url.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            return JsonNode.Parse(Convert.FromBase64String(base64))!.AsObject();
        }
    }

    /// <summary>Runs SdkCrossCheck/crosscheck.mjs: the SDK's verdict on each token, and one token of its own when asked.</summary>
    private async Task<(bool[] Verified, string? Generated)> RunSdkAsync((string Token, string Key)[] tokens, bool generate)
    {
        var directory = Path.Combine(SourceDirectory(), "SdkCrossCheck");
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "@vonage", "jwt")),
            "The Vonage SDK is not installed: run scripts/vonage-sdk-for-tests.sh (scripts/test.sh does).");
        var request = new JsonObject
        {
            ["verify"] = new JsonArray([.. tokens.Select(static t => (JsonNode)new JsonObject { ["token"] = t.Token, ["key"] = t.Key })]),
        };
        if (generate)
        {
            request["generate"] = new JsonObject { ["applicationId"] = ApplicationId, ["privateKey"] = _key.ExportPkcs8PrivateKeyPem() };
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("node", "crosscheck.mjs")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(request.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await errors);
        var answer = JsonNode.Parse(await output)!;
        return ([.. answer["verified"]!.AsArray().Select(static result => (bool)result!)], (string?)answer["generated"]);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
