using System.Text;
using Microsoft.AspNetCore.Http;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Plivo the main app uses for recordings, on a real socket, written from Plivo's reference (not from the
/// SDK): <c>DELETE /v1/Account/{auth_id}/Recording/{id}/</c> (204, then 404) on the API, and the file at
/// <c>/v1/Account/{auth_id}/Recording/{id}.wav</c> (or <c>.mp3</c>) on the media host, here under
/// <see cref="MediaPrefix"/> on the same socket. Both require HTTP Basic <c>auth_id:auth_token</c> (401 with Plivo's
/// error shape otherwise), as Plivo's media does for an account whose recordings are private. Media can be held after
/// its first bytes, so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakePlivoRestApi : FakeRecordingProviderApi
{
    /// <summary>Plivo's error details: an answer that passed them on would show this.</summary>
    public const string ErrorDetail = "plivo-internal-detail-5b1e";

    /// <summary>Where the fake's media host starts: <c>PLIVO_MEDIA_BASE_URL</c> is this and <c>/v1</c>.</summary>
    public const string MediaPrefix = "/media";

    private readonly string _authId;
    private readonly string _authorization;

    private FakePlivoRestApi(string authId, string authToken)
    {
        _authId = authId;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authId}:{authToken}"));
    }

    /// <summary>What <c>PLIVO_API_BASE_URL</c> is set to.</summary>
    public Uri ApiBaseUrl => new(BaseAddress, "/v1");

    /// <summary>What <c>PLIVO_MEDIA_BASE_URL</c> is set to.</summary>
    public Uri MediaBaseUrl => new(BaseAddress, MediaPrefix + "/v1");

    /// <summary>When set, the API and the media answer every request with this status and an error body (or a redirect to <c>Location</c>).</summary>
    public (int Status, string? Location)? ForcedAnswer { get; set; }

    public static Task<FakePlivoRestApi> StartAsync(string authId, string authToken) =>
        StartOnLoopbackAsync(new FakePlivoRestApi(authId, authToken));

    protected override async Task AnswerAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (!string.Equals(request.Headers.Authorization, _authorization, StringComparison.Ordinal))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "Authentication failed");
            return;
        }

        if (ForcedAnswer is { } forced)
        {
            if (forced.Location is { } location)
            {
                context.Response.Headers.Location = location;
            }

            await ErrorAsync(context, forced.Status, "Unexpected error");
            return;
        }

        var resource = $"/v1/Account/{_authId}/Recording/";
        if (path.StartsWith(MediaPrefix + resource, StringComparison.Ordinal) && request.Method == "GET")
        {
            await ServeMediaAsync(context, path[(MediaPrefix + resource).Length..]);
        }
        else if (path.StartsWith(resource, StringComparison.Ordinal) && path.EndsWith('/') && request.Method == "DELETE")
        {
            var id = path[resource.Length..^1];
            if (TryRemoveRecording(id))
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else
            {
                await ErrorAsync(context, StatusCodes.Status404NotFound, "not found");
            }
        }
        else
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "not found");
        }
    }

    private async Task ServeMediaAsync(HttpContext context, string file)
    {
        if (!await TryServeMediaAsync(context, file, "audio/wav"))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "not found");
        }
    }

    /// <summary>Plivo's error shape: an <c>api_id</c> and an <c>error</c> sentence.</summary>
    private static async Task ErrorAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            $$$"""{"api_id":"c2c128e2-1c8c-11e4-9bff-1db8a9db0432","error":"{{{error}}}: {{{ErrorDetail}}}"}""",
            Encoding.UTF8,
            context.RequestAborted);
    }
}
