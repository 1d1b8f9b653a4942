using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace VoiceServer.Plivo.Tests;

/// <summary>
/// voice-server's X-Plivo-Signature-V3 checked against the official Plivo Node SDK (npm <c>plivo</c>, pinned in
/// SdkCrossCheck/package-lock.json and installed by scripts/plivo-sdk-for-tests.sh, which the test command runs):
/// every signature made here must be accepted by the SDK's <c>validateV3Signature</c>, every tampered one refused by
/// both. The SDK is an oracle from outside the .NET code, so a shared misreading of the docs cannot hide on both sides.
/// </summary>
public sealed class PlivoSdkCrossCheckTests
{
    private const string AuthToken = "plivo-auth-token-0123456789";
    private const string Nonce = "05429567804466091622";

    public static TheoryData<string, string, string?> Requests => new()
    {
        { "GET", "wss://voice.example.com/api/plivo/media-stream", null },
        { "GET", "wss://voice.example.com/api/plivo/media-stream?config=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..abc-_DEF.ghi", null },
        { "GET", "https://voice.example.com:8443/api/plivo/media-stream?voice=marin&agentId=supporten&agentId=billing", null },
        { "GET", "https://example.com/api/plivo/answer?b=2&a=1", null },
        { "POST", "https://example.com/api/plivo/answer", "To=+15550001111&CallUUID=abc&From=+15552223333" },
        { "POST", "https://example.com/api/plivo/answer?x=1", "CallUUID=abc" },
        { "POST", "https://example.com/api/plivo/answer", "CallerName=Zoë ☎&Digits=12#" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task SignedHere_TheSdkAccepts_TamperedRefusedByBoth(string method, string url, string? form)
    {
        var parameters = ParseForm(form);
        var validator = new PlivoSignatureValidator(AuthToken);
        var signature = validator.Sign(method, url, Nonce, parameters);
        var otherNonce = validator.Sign(method, url, "99999999999999999999", parameters);
        var otherToken = new PlivoSignatureValidator("another-token").Sign(method, url, Nonce, parameters);

        var sdk = await RunSdkAsync(method, url, parameters, [signature, $"bogus,{signature}", otherNonce, otherToken]);

        Assert.Equal([true, true, false, false], sdk);
        Assert.Equal(PlivoSignatureCheck.Valid, validator.Verify(method, url, Nonce, $"bogus,{signature}", parameters));
        Assert.Equal(PlivoSignatureCheck.Mismatch, validator.Verify(method, url, Nonce, otherNonce, parameters));
        Assert.Equal(PlivoSignatureCheck.Mismatch, validator.Verify(method, url, Nonce, otherToken, parameters));
    }

    private static KeyValuePair<string, string>[] ParseForm(string? form) =>
        form is null
            ? []
            : [.. form.Split('&').Select(static pair => pair.Split('=', 2)).Select(static pair => new KeyValuePair<string, string>(pair[0], pair[1]))];

    /// <summary>Runs SdkCrossCheck/crosscheck.mjs on one request and several signatures; the SDK's verdict on each.</summary>
    private static async Task<bool[]> RunSdkAsync(string method, string url, KeyValuePair<string, string>[] parameters, string[] signatures)
    {
        var directory = Path.Combine(SourceDirectory(), "SdkCrossCheck");
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "plivo")),
            "The Plivo SDK is not installed: run scripts/plivo-sdk-for-tests.sh (scripts/test.sh does).");
        var form = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            form[name] = value;
        }

        var cases = new JsonArray();
        foreach (var signature in signatures)
        {
            cases.Add(new JsonObject
            {
                ["method"] = method,
                ["uri"] = url,
                ["nonce"] = Nonce,
                ["authToken"] = AuthToken,
                ["signature"] = signature,
                ["params"] = form.DeepClone(),
            });
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
        await process.StandardInput.WriteAsync(new JsonObject { ["cases"] = cases }.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await errors);
        return [.. JsonNode.Parse(await output)!["results"]!.AsArray().Select(static result => (bool)result!)];
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
