using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceServer.Tools;

namespace VoiceServer.Vonage.Tests;

/// <summary>Hang-up and transfer as vonage-voice-websockets.md §6 describes them, against a recording handler.</summary>
public sealed class VonageCallControlTests : IDisposable
{
    private const string ApplicationId = "aaaaaaaa-0000-4000-8000-0123456789ab";
    private const string CallUuid = "63f61863-4a51-4f6b-86e1-46edebcf9356";

    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly RSA _key = RSA.Create(2048);
    private readonly FakeTimeProvider _time = new(s_now);

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task HangUp_PutsActionHangup_WithAnApplicationJwt()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        using var control = NewControl(handler);

        var result = await control.HangUpAsync(CallUuid, CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "hung up"), result);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal($"https://api.nexmo.com/v1/calls/{CallUuid}", request.Url);
        Assert.Equal("application/json", request.ContentType);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"action":"hangup"}"""), JsonNode.Parse(request.Body)));
        await AssertApplicationTokenAsync(request.Authorization);
    }

    [Fact]
    public async Task Transfer_PutsAnNccoConnectingTheNumberWithoutThePlus_ToTheConfiguredBaseUrl()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        using var control = NewControl(handler, new Uri("http://127.0.0.1:5999/vonage"));

        var result = await control.TransferAsync(CallUuid, "+447700900000", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "transferred"), result);
        var request = Assert.Single(handler.Requests);
        Assert.Equal($"http://127.0.0.1:5999/vonage/v1/calls/{CallUuid}", request.Url);
        var expected = JsonNode.Parse("""
            {"action":"transfer","destination":{"type":"ncco","ncco":[{"action":"connect","endpoint":[{"type":"phone","number":"447700900000"}]}]}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Gone)]
    public async Task CallAlreadyEnded_AnyOther4xx_HangUpIsDone_TransferFailed(HttpStatusCode status)
    {
        using var control = NewControl(new RecordingHandler(status));

        var hangUp = await control.HangUpAsync(CallUuid, CancellationToken.None);
        var transfer = await control.TransferAsync(CallUuid, "+447700900000", CancellationToken.None);

        Assert.Equal(CallControlOutcome.Done, hangUp.Outcome);
        Assert.Equal((CallControlOutcome.Failed, $"Vonage refused: HTTP {(int)status}"), transfer);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Refused_NamesTheStatus_NeverTheKey(HttpStatusCode status)
    {
        using var control = NewControl(new RecordingHandler(status));

        var (outcome, detail) = await control.HangUpAsync(CallUuid, CancellationToken.None);

        Assert.Equal((CallControlOutcome.Failed, $"Vonage refused: HTTP {(int)status}"), (outcome, detail));
    }

    [Fact]
    public async Task Unreachable_Failed()
    {
        using var control = new VonageCallControl(ApplicationId, PrivateKeyPem(), new HttpClient(new ThrowingHandler()), timeProvider: _time);

        Assert.Equal((CallControlOutcome.Failed, "Vonage could not be reached"), await control.HangUpAsync(CallUuid, CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../v1/calls/other")]
    [InlineData("abc/def")]
    [InlineData("abc?x=1")]
    [InlineData("abc#x")]
    [InlineData("%2e%2e")]
    [InlineData("abc def")]
    [InlineData("abc\r\nX-Injected: 1")]
    [InlineData("v3:T02llQxIyaRkhfRK")]
    public async Task HostileUuid_RefusedWithoutARequest(string uuid)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        using var control = NewControl(handler);

        Assert.Equal(CallControlOutcome.Failed, (await control.HangUpAsync(uuid, CancellationToken.None)).Outcome);
        Assert.Equal(CallControlOutcome.Failed, (await control.TransferAsync(uuid, "+447700900000", CancellationToken.None)).Outcome);
        Assert.Equal(CallControlOutcome.Failed, (await control.HangUpAsync(new string('a', 65), CancellationToken.None)).Outcome);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("+44 7700 900000")]
    [InlineData("+4477009000001234567")]
    [InlineData("+\"}]}],\"x\":\"")]
    [InlineData("")]
    public async Task HostileNumber_RefusedWithoutARequest(string number)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        using var control = NewControl(handler);

        Assert.Equal((CallControlOutcome.Failed, "the number is not E.164"), await control.TransferAsync(CallUuid, number, CancellationToken.None));
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("../x")]
    public void BadApplicationId_RefusedAtConstruction(string applicationId)
    {
        Assert.Throws<ArgumentException>(() => new VonageCallControl(applicationId, PrivateKeyPem(), new HttpClient()));
    }

    [Fact]
    public void BadPrivateKey_RefusedAtConstruction_WithoutEchoingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new VonageCallControl(ApplicationId, "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----", new HttpClient()));

        Assert.DoesNotContain("not-a-key", error.Message, StringComparison.Ordinal);
    }

    private VonageCallControl NewControl(HttpMessageHandler handler, Uri? baseUrl = null) =>
        new(ApplicationId, PrivateKeyPem(), new HttpClient(handler), baseUrl, _time);

    private string PrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>RS256 with the application's key; application_id, iat, jti and exp as the SDK's tokenGenerate sets them.</summary>
    private async Task AssertApplicationTokenAsync(string? authorization)
    {
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        var token = authorization!["Bearer ".Length..];
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(_key.ExportParameters(includePrivateParameters: false)),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            LifetimeValidator = (_, _, _, _) => true,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal(ApplicationId, jwt.GetClaim("application_id").Value);
        Assert.Equal(s_now.ToUnixTimeSeconds(), long.Parse(jwt.GetClaim("iat").Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(s_now.ToUnixTimeSeconds() + 300, long.Parse(jwt.GetClaim("exp").Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Guid.TryParse(jwt.Id, out _));
    }

    private sealed record RecordedRequest(HttpMethod Method, string Url, string? Authorization, string? ContentType, string Body);

    private sealed class RecordingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public List<RecordedRequest> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add(new RecordedRequest(
                request.Method,
                request.RequestUri!.AbsoluteUri,
                request.Headers.Authorization?.ToString(),
                request.Content?.Headers.ContentType?.MediaType,
                content));
            return new HttpResponseMessage(status) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        }
    }

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("connection refused");
    }
}
