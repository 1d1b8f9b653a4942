using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace VoiceServer.Plivo.Tests;

/// <summary>
/// The main app's requests for a Plivo recording (<see cref="PlivoRecordingsApi"/>) checked against the official Plivo
/// Node SDK's own <c>client.recordings.get</c> and <c>.delete</c> (SdkCrossCheck/recordings.mjs, the SDK's HTTP library
/// answering locally): the same method, URL and Basic credentials. The SDK is an oracle from outside the .NET code, so a
/// shared misreading of the docs cannot hide on both sides.
/// </summary>
public sealed class PlivoRecordingsSdkCrossCheckTests
{
    private const string AuthId = "MA2025RK4E639VJFZAGV";
    private const string AuthToken = "plivo-auth-token-0123456789";

    [Theory]
    [InlineData("c2186400-1c8c-11e4-a664-0026b945b52a")]
    [InlineData("C2186400-1C8C-11E4-A664-0026B945B52X")]
    public async Task GetAndDelete_AsTheSdkSendsThem(string recordingId)
    {
        var sdk = (await RunSdkAsync(new JsonObject { ["authId"] = AuthId, ["authToken"] = AuthToken, ["recordingId"] = recordingId }))["requests"]!.AsArray();

        using var get = PlivoRecordingsApi.CreateRequest(HttpMethod.Get, null, AuthId, AuthToken, recordingId);
        using var delete = PlivoRecordingsApi.CreateRequest(HttpMethod.Delete, null, AuthId, AuthToken, recordingId);
        Assert.Equal(2, sdk.Count);
        foreach (var (ours, theirs) in new[] { (get, sdk[0]!), (delete, sdk[1]!) })
        {
            // The SDK appends "?" and nothing to a GET without parameters: the same resource.
            Assert.Equal(
                ((string)theirs["method"]!, ((string)theirs["url"]!).TrimEnd('?'), (string?)theirs["authorization"]),
                (ours.Method.Method, ours.RequestUri!.AbsoluteUri, ours.Headers.Authorization?.ToString()));
        }
    }

    [Fact]
    public void Requests_UnderAConfiguredBase_WithOrWithoutItsSlash()
    {
        const string Id = "c2186400-1c8c-11e4-a664-0026b945b52a";
        foreach (var root in new[] { "http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/" })
        {
            using var delete = PlivoRecordingsApi.CreateRequest(HttpMethod.Delete, new Uri(root), AuthId, AuthToken, Id);
            using var media = PlivoRecordingsApi.CreateMediaRequest(new Uri(root), AuthId, AuthToken, Id, "mp3");
            Assert.Equal($"http://127.0.0.1:9/v1/Account/{AuthId}/Recording/{Id}/", delete.RequestUri!.AbsoluteUri);
            Assert.Equal($"http://127.0.0.1:9/v1/Account/{AuthId}/Recording/{Id}.mp3", media.RequestUri!.AbsoluteUri);
        }

        using var plivos = PlivoRecordingsApi.CreateMediaRequest(null, AuthId, AuthToken, Id, "wav");
        Assert.Equal($"https://media.plivo.com/v1/Account/{AuthId}/Recording/{Id}.wav", plivos.RequestUri!.AbsoluteUri);
    }

    [Theory]
    [InlineData("../../Call")]
    [InlineData("c2186400-1c8c-11e4-a664-0026b945b52a\n")]
    [InlineData("c2186400-1c8c-11e4-a664-0026b945b52a/x")]
    [InlineData("c2186400-1c8c-11e4-a664-0026b945b5%2F")]
    [InlineData("")]
    public void HostileRecordingId_NoRequest(string recordingId)
    {
        Assert.False(PlivoRecordingsApi.IsRecordingId(recordingId));
        Assert.Throws<ArgumentException>(() => PlivoRecordingsApi.CreateRequest(HttpMethod.Delete, null, AuthId, AuthToken, recordingId));
        Assert.Throws<ArgumentException>(() => PlivoRecordingsApi.CreateMediaRequest(null, AuthId, AuthToken, recordingId, "wav"));
    }

    [Theory]
    [InlineData("MA../x")]
    [InlineData("MA2025RK4E639VJFZAGV/")]
    [InlineData("")]
    public void HostileAuthId_NoRequest(string authId) =>
        Assert.Throws<ArgumentException>(() => PlivoRecordingsApi.CreateRequest(HttpMethod.Delete, null, authId, AuthToken, "c2186400-1c8c-11e4-a664-0026b945b52a"));

    /// <summary>Runs SdkCrossCheck/recordings.mjs on one request; what the SDK sent (and built).</summary>
    internal static async Task<JsonNode> RunSdkAsync(JsonObject input)
    {
        var directory = Path.Combine(SourceDirectory(), "SdkCrossCheck");
        Assert.True(
            Directory.Exists(Path.Combine(directory, "node_modules", "plivo")),
            "The Plivo SDK is not installed: run scripts/plivo-sdk-for-tests.sh (scripts/test.sh does).");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("node", "recordings.mjs")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await errors);
        return JsonNode.Parse(await output)!;
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
