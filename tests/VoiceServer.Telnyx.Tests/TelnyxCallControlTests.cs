using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Tools;

namespace VoiceServer.Telnyx.Tests;

/// <summary>Hang-up and transfer as telnyx-media-streaming.md §6 describes them, against a recording handler.</summary>
public sealed class TelnyxCallControlTests
{
    private const string ApiKey = "KEY0123456789abcdef_secret";
    private const string CallControlId = "v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ";

    [Fact]
    public async Task HangUp_PostsToTheCallsHangupAction_WithTheBearerKey()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, """{"data":{"result":"ok"}}""");
        var control = new TelnyxCallControl(ApiKey, new HttpClient(handler));

        var (outcome, _) = await control.HangUpAsync(CallControlId, CancellationToken.None);

        Assert.Equal(CallControlOutcome.Done, outcome);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://api.telnyx.com/v2/calls/v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ/actions/hangup", request.Url);
        Assert.Equal($"Bearer {ApiKey}", request.Authorization);
        Assert.Equal("application/json", request.ContentType);
        Assert.True(JsonNode.DeepEquals(new JsonObject(), JsonNode.Parse(request.Body)));
    }

    [Fact]
    public async Task Transfer_PostsTheNumber_ToTheConfiguredBaseUrl()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, "{}");
        var control = new TelnyxCallControl(ApiKey, new HttpClient(handler), new Uri("http://127.0.0.1:5999/telnyx/v2"));

        var (outcome, _) = await control.TransferAsync(CallControlId, "+18005550100", CancellationToken.None);

        Assert.Equal(CallControlOutcome.Done, outcome);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://127.0.0.1:5999/telnyx/v2/calls/v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ/actions/transfer", request.Url);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["to"] = "+18005550100" }, JsonNode.Parse(request.Body)));
    }

    [Theory]
    [InlineData("""{"errors":[{"code":"90018","title":"Call has already ended"}]}""")]
    [InlineData("""{"errors":[{"code":90018,"title":"Call has already ended"}]}""")]
    public async Task CallAlreadyEnded_HangUpIsDone_TransferFailed(string body)
    {
        var control = new TelnyxCallControl(ApiKey, new HttpClient(new RecordingHandler(HttpStatusCode.UnprocessableEntity, body)));

        var hangUp = await control.HangUpAsync(CallControlId, CancellationToken.None);
        var transfer = await control.TransferAsync(CallControlId, "+18005550100", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Done, "the call had already ended"), hangUp);
        Assert.Equal((CallControlOutcome.Failed, "the call has already ended"), transfer);
    }

    [Theory]
    [InlineData(HttpStatusCode.UnprocessableEntity, """{"errors":[{"code":"90034","title":"Invalid destination"}]}""", "Telnyx refused: HTTP 422, code 90034")]
    [InlineData(HttpStatusCode.Unauthorized, """{"errors":[{"code":"10009","title":"Authentication failed"}]}""", "Telnyx refused: HTTP 401, code 10009")]
    [InlineData(HttpStatusCode.InternalServerError, "<html>oops</html>", "Telnyx refused: HTTP 500, code none")]
    public async Task Refusal_Failed_NamingStatusAndCode_NeverTheKey(HttpStatusCode status, string body, string expected)
    {
        var control = new TelnyxCallControl(ApiKey, new HttpClient(new RecordingHandler(status, body)));

        var (outcome, detail) = await control.HangUpAsync(CallControlId, CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, outcome);
        Assert.Equal(expected, detail);
        Assert.DoesNotContain(ApiKey, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeErrorBody_ReadOnlyToTheLimit()
    {
        var body = """{"errors":[{"code":"1","title":""" + "\"" + new string('x', 1_000_000) + "\"}]}";
        var control = new TelnyxCallControl(ApiKey, new HttpClient(new RecordingHandler(HttpStatusCode.BadRequest, body)));

        var (outcome, detail) = await control.HangUpAsync(CallControlId, CancellationToken.None);

        Assert.Equal((CallControlOutcome.Failed, "Telnyx refused: HTTP 400, code none"), (outcome, detail));
    }

    [Fact]
    public async Task Unreachable_Failed()
    {
        var control = new TelnyxCallControl(ApiKey, new HttpClient(new ThrowingHandler()));

        var (outcome, detail) = await control.TransferAsync(CallControlId, "+18005550100", CancellationToken.None);

        Assert.Equal((CallControlOutcome.Failed, "Telnyx could not be reached"), (outcome, detail));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../../numbers")]
    [InlineData("v3:abc/../../x")]
    [InlineData("v3:abc?x=1")]
    [InlineData("v3:abc#x")]
    [InlineData("v3:%2e%2e")]
    [InlineData("v3:abc def")]
    [InlineData("v3:abc\r\nX-Injected: 1")]
    public async Task HostileCallControlId_RefusedWithoutARequest(string callControlId)
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, "{}");
        var control = new TelnyxCallControl(ApiKey, new HttpClient(handler));

        var hangUp = await control.HangUpAsync(callControlId, CancellationToken.None);
        var transfer = await control.TransferAsync(callControlId, "+18005550100", CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, hangUp.Outcome);
        Assert.Equal(CallControlOutcome.Failed, transfer.Outcome);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task OverlongCallControlId_RefusedWithoutARequest()
    {
        var handler = new RecordingHandler(HttpStatusCode.OK, "{}");
        var control = new TelnyxCallControl(ApiKey, new HttpClient(handler));

        var (outcome, _) = await control.HangUpAsync("v3:" + new string('a', 300), CancellationToken.None);

        Assert.Equal(CallControlOutcome.Failed, outcome);
        Assert.Empty(handler.Requests);
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
