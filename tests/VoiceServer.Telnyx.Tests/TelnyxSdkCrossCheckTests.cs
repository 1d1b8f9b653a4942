using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using NSec.Cryptography;

namespace VoiceServer.Telnyx.Tests;

/// <summary>
/// voice-server's Telnyx code checked against the official Telnyx Node SDK (npm <c>telnyx</c>, pinned in
/// SdkCrossCheck/package-lock.json and installed by scripts/telnyx-sdk-for-tests.sh, which the test command runs):
/// signatures both ways, and the REST requests of hang-up, transfer, and a recording's retrieval and deletion. The SDK
/// is an oracle from outside the .NET code, so a shared misreading of the docs cannot hide on both sides.
/// </summary>
public sealed class TelnyxSdkCrossCheckTests
{
    private const string Body = """{"data":{"event_type":"call.hangup","payload":{"call_control_id":"v3:abc","from":"Zoë ☎"}}}""";

    [Fact]
    public async Task SignedAndAcceptedByTheSdk_ValidHere_TamperedNot()
    {
        var vector = await RunSdkAsync(new JsonObject { ["mode"] = "sign" });
        Assert.True((bool)vector["sdkAccepts"]!);
        var validator = new TelnyxWebhookSignatureValidator((string)vector["publicKey"]!, TimeProvider.System);
        var body = Encoding.UTF8.GetBytes((string)vector["body"]!);

        Assert.Equal(TelnyxSignatureCheck.Valid, validator.Verify(body, (string)vector["signature"]!, (string)vector["timestamp"]!));
        Assert.Equal(TelnyxSignatureCheck.Mismatch, validator.Verify([.. body, (byte)' '], (string)vector["signature"]!, (string)vector["timestamp"]!));
    }

    [Fact]
    public async Task SignedHere_TheSdkAgreesOnEveryOutcome()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var publicKey = Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var validator = new TelnyxWebhookSignatureValidator(publicKey, TimeProvider.System);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Sign(long timestamp, string body) =>
            Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(key, Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}|{body}")));

        // (what is sent: timestamp, body, signature over) and whether both sides should accept it.
        var cases = new (long Timestamp, string Body, string SignedBody, long SignedTimestamp, bool Accepted)[]
        {
            (now, Body, Body, now, true),
            (now, Body.Replace("abc", "abd", StringComparison.Ordinal), Body, now, false),
            (now - 400, Body, Body, now - 400, false),
            (now + 1, Body, Body, now, false),
        };

        foreach (var (timestamp, body, signedBody, signedTimestamp, accepted) in cases)
        {
            var signature = Sign(signedTimestamp, signedBody);
            var stamp = timestamp.ToString(CultureInfo.InvariantCulture);
            var sdk = await RunSdkAsync(new JsonObject
            {
                ["mode"] = "verify",
                ["publicKey"] = publicKey,
                ["body"] = body,
                ["headers"] = new JsonObject { ["telnyx-signature-ed25519"] = signature, ["telnyx-timestamp"] = stamp },
            });
            var here = validator.Verify(Encoding.UTF8.GetBytes(body), signature, stamp);

            Assert.Equal(accepted, (bool)sdk["ok"]!);
            Assert.Equal(accepted, here == TelnyxSignatureCheck.Valid);
        }
    }

    [Fact]
    public async Task HangUpAndTransfer_TheSameRequestsAsTheSdk()
    {
        const string callControlId = "v3:T02llQxIyaRkhfRK_xgAP8nY511-EhFLiz";
        const string to = "+18005550100";
        var sdk = (await RunSdkAsync(new JsonObject { ["mode"] = "callControl", ["callControlId"] = callControlId, ["to"] = to }))["requests"]!.AsArray();
        var handler = new RecordingHandler();
        var control = new TelnyxCallControl("key-for-the-cross-check", new HttpClient(handler), new Uri("http://127.0.0.1:1/v2"));

        await control.HangUpAsync(callControlId, CancellationToken.None);
        await control.TransferAsync(callControlId, to, CancellationToken.None);

        Assert.Equal(sdk.Count, handler.Requests.Count);
        for (var i = 0; i < sdk.Count; i++)
        {
            var expected = sdk[i]!;
            var actual = handler.Requests[i];
            Assert.Equal((string?)expected["method"], actual.Method);
            Assert.Equal((string?)expected["path"], actual.PathAndQuery);
            Assert.Equal((string?)expected["authorization"], actual.Authorization);
            Assert.Equal((string?)expected["contentType"], actual.ContentType);
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse((string)expected["body"]!), JsonNode.Parse(actual.Body)), $"{actual.Body} vs {expected["body"]}");
        }
    }

    [Fact]
    public async Task RecordingRetrieveAndDelete_TheSamePathsAndKeyAsTheSdk()
    {
        const string recordingId = "35094891-3290-4142-b2c2-b2eda57534cf";
        var sdk = (await RunSdkAsync(new JsonObject { ["mode"] = "recordings", ["recordingId"] = recordingId }))["requests"]!.AsArray();
        var handler = new RecordingHandler();
        using var client = new HttpClient(handler);

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            using var request = TelnyxRecordingsApi.CreateRequest(method, new Uri("http://127.0.0.1:1/v2"), "key-for-the-cross-check", recordingId);
            using var _ = await client.SendAsync(request);
        }

        Assert.Equal(2, sdk.Count);
        Assert.Equal(sdk.Count, handler.Requests.Count);
        for (var i = 0; i < sdk.Count; i++)
        {
            var expected = sdk[i]!;
            var actual = handler.Requests[i];
            Assert.Equal(((string?)expected["method"], (string?)expected["path"], (string?)expected["authorization"]), (actual.Method, actual.PathAndQuery, actual.Authorization));
        }
    }

    /// <summary>Runs SdkCrossCheck/crosscheck.mjs with one JSON request and returns its JSON answer.</summary>
    private static async Task<JsonObject> RunSdkAsync(JsonObject request)
    {
        var directory = Path.Combine(SourceDirectory(), "SdkCrossCheck");
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "telnyx")),
            "The Telnyx SDK is not installed: run scripts/telnyx-sdk-for-tests.sh (scripts/test.sh does).");
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
        return JsonNode.Parse(await output)!.AsObject();
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private sealed record RecordedRequest(string Method, string PathAndQuery, string? Authorization, string? ContentType, string Body);

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<RecordedRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new RecordedRequest(
                request.Method.Method,
                request.RequestUri!.PathAndQuery,
                request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentType?.MediaType,
                request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"data":{"result":"ok"}}""", Encoding.UTF8, "application/json") };
        }
    }
}
