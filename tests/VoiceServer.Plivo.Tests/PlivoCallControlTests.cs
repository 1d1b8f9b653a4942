using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Tools;

namespace VoiceServer.Plivo.Tests;

/// <summary>Hang-up and transfer as plivo-audio-streams.md §6 describes them, against a recording handler.</summary>
public sealed class PlivoCallControlTests
{
    private const string AuthId = "MAXXXXXXXXXXXXXXXXXX";
    private const string AuthToken = "auth_token_secret_0123456789";
    private const string CallUuid = "12345678-1234-1234-1234-123456789abc";

    private static readonly Uri s_transferUrl = new("https://app.example.com/plivo/transfer");

    private static string ExpectedAuthorization => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AuthId}:{AuthToken}"));

    [Fact]
    public async Task HangUp_DeletesTheCall_WithBasicAuth()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent, string.Empty);
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(handler));

        var (outcome, detail) = await control.HangUpAsync(CallUuid, CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "hung up"), (outcome, detail));
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Delete, request.Method);
        Assert.Equal($"https://api.plivo.com/v1/Account/{AuthId}/Call/{CallUuid}/", request.Url);
        Assert.Equal(ExpectedAuthorization, request.Authorization);
        Assert.Equal(string.Empty, request.Body);
    }

    [Fact]
    public async Task Transfer_PostsTheAlegUrl_ToTheConfiguredBaseUrl()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, """{"message":"call transfered","api_id":"x"}""");
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(handler), s_transferUrl, new Uri("http://127.0.0.1:5999/plivo/v1"));

        var (outcome, detail) = await control.TransferAsync(CallUuid, "+18005550100", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "transferred"), (outcome, detail));
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"http://127.0.0.1:5999/plivo/v1/Account/{AuthId}/Call/{CallUuid}/", request.Url);
        Assert.Equal(ExpectedAuthorization, request.Authorization);
        Assert.Equal("application/json", request.ContentType);
        var expected = new JsonObject
        {
            ["legs"] = "aleg",
            ["aleg_url"] = "https://app.example.com/plivo/transfer?to=%2B18005550100",
            ["aleg_method"] = "POST",
        };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
    }

    [Fact]
    public async Task Transfer_WithoutATransferUrl_FailsWithoutARequest()
    {
        var handler = new RecordingHandler(HttpStatusCode.Accepted, "{}");
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(handler));

        var result = await control.TransferAsync(CallUuid, "+18005550100", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Failed, "no Plivo transfer URL is configured"), result);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task CallAlreadyEnded_HangUpIsDone_TransferFailed()
    {
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(new RecordingHandler(HttpStatusCode.NotFound, """{"error":"not found"}""")), s_transferUrl);

        var hangUp = await control.HangUpAsync(CallUuid, CancellationToken.None);
        var transfer = await control.TransferAsync(CallUuid, "+18005550100", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "the call had already ended"), hangUp);
        Assert.Equal((CallControlOutcome.Failed, "the call has already ended"), transfer);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Refusal_NamesTheStatus_NeverTheToken(HttpStatusCode status)
    {
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(new RecordingHandler(status, AuthToken)));

        var (outcome, detail) = await control.HangUpAsync(CallUuid, CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, outcome);
        Assert.Equal($"Plivo refused: HTTP {(int)status}", detail);
        Assert.DoesNotContain(AuthToken, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_Failed()
    {
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(new ThrowingHandler()));

        var result = await control.HangUpAsync(CallUuid, CancellationToken.None);

        Assert.Equal((CallControlOutcome.Failed, "Plivo could not be reached"), result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../Account/MAOTHER/Call/x")]
    [InlineData("abc/def")]
    [InlineData("abc?x=1")]
    [InlineData("abc#x")]
    [InlineData("%2e%2e")]
    [InlineData("abc def")]
    [InlineData("abc\r\nX-Injected: 1")]
    [InlineData("v3:T02llQxIyaRkhfRK")]
    public async Task HostileCallUuid_RefusedWithoutARequest(string callUuid)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent, string.Empty);
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(handler), s_transferUrl);

        var hangUp = await control.HangUpAsync(callUuid, CancellationToken.None);
        var transfer = await control.TransferAsync(callUuid, "+18005550100", CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, hangUp.Outcome);
        Assert.Equal(CallControlOutcome.Failed, transfer.Outcome);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task OverlongCallUuid_RefusedWithoutARequest()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent, string.Empty);
        var control = new PlivoCallControl(AuthId, AuthToken, new HttpClient(handler));

        var (outcome, _) = await control.HangUpAsync(new string('a', 65), CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, outcome);
        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("MA../../x")]
    [InlineData("MA/Call")]
    public void HostileAuthId_RefusedAtConstruction(string authId)
    {
        Assert.Throws<ArgumentException>(() => new PlivoCallControl(authId, AuthToken, new HttpClient()));
    }

    [Theory]
    [InlineData("http://app.example.com/plivo/transfer")]
    [InlineData("https://app.example.com/plivo/transfer?to=+15550000000")]
    [InlineData("/plivo/transfer")]
    public void UnsafeTransferUrl_RefusedAtConstruction(string transferUrl)
    {
        Assert.Throws<ArgumentException>(() => new PlivoCallControl(AuthId, AuthToken, new HttpClient(), new Uri(transferUrl, UriKind.RelativeOrAbsolute)));
    }

    private sealed record RecordedRequest(HttpMethod Method, string Url, string? Authorization, string? ContentType, string Body);

    private sealed class RecordingHandler(HttpStatusCode status, string body) : HttpMessageHandler
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
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("connection refused");
    }
}
