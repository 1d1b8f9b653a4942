using System.Text;
using Microsoft.AspNetCore.Http;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Telnyx's REST API the main app uses, on a real socket, written from Telnyx's reference (not from the
/// SDK): <c>GET /v2/recordings/{id}</c> answers the recording's details with pre-signed <c>download_urls</c> (here
/// under <see cref="StoragePath"/> on the same socket, standing for Telnyx's S3 bucket), <c>DELETE /v2/recordings/{id}</c>
/// deletes it (200 with the deleted resource, then 404). API requests must carry <c>Authorization: Bearer</c> with the
/// key (401 with Telnyx's error shape otherwise); the storage needs none: its URL is the credential. Media can be held
/// after its first bytes, so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakeTelnyxRestApi : FakeRecordingProviderApi
{
    /// <summary>Telnyx's error details: an answer that passed them on would show this.</summary>
    public const string ErrorDetail = "telnyx-internal-detail-7f3a";

    public const string StoragePath = "/telephony-recorder-prod/";

    private readonly string _authorization;

    private FakeTelnyxRestApi(string apiKey)
    {
        _authorization = "Bearer " + apiKey;
    }

    /// <summary>What <c>TELNYX_API_BASE_URL</c> is set to.</summary>
    public Uri ApiBaseUrl => new(BaseAddress, "/v2");

    /// <summary>What <c>TELNYX_RECORDING_ORIGINS</c> is set to: this fake's own origin.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>When set, the details name this as every download URL instead of the fake's storage.</summary>
    public string? DownloadUrl { get; set; }

    /// <summary>When set, the API answers every request with this status and an error body.</summary>
    public int? ApiStatus { get; set; }

    /// <summary>When set, the storage answers with this status (a redirect to <see cref="DownloadUrl"/>'s target, say).</summary>
    public (int Status, string? Location)? StorageAnswer { get; set; }

    public static Task<FakeTelnyxRestApi> StartAsync(string apiKey) =>
        StartOnLoopbackAsync(new FakeTelnyxRestApi(apiKey));

    protected override async Task AnswerAsync(HttpContext context, string path)
    {
        if (path.StartsWith(StoragePath, StringComparison.Ordinal))
        {
            await ServeMediaAsync(context, path[StoragePath.Length..]);
        }
        else
        {
            await AnswerApiAsync(context, path);
        }
    }

    private async Task AnswerApiAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (!string.Equals(request.Headers.Authorization, _authorization, StringComparison.Ordinal))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "10009", "Authentication failed");
            return;
        }

        if (ApiStatus is { } forced)
        {
            await ErrorAsync(context, forced, "10007", "Unexpected error");
            return;
        }

        const string Recordings = "/v2/recordings/";
        var id = path.StartsWith(Recordings, StringComparison.Ordinal) ? path[Recordings.Length..] : null;
        if (id is null || !HasRecording(id))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "10005", "Resource not found");
        }
        else if (request.Method == "GET")
        {
            await WriteRecordingAsync(context, id!);
        }
        else if (request.Method == "DELETE")
        {
            await WriteRecordingAsync(context, id!);
            RemoveRecording(id!);
        }
        else
        {
            await ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "10015", "Method not allowed");
        }
    }

    /// <summary>The recording's details as the reference shows them, its download URLs pre-signed for ten minutes.</summary>
    private async Task WriteRecordingAsync(HttpContext context, string id)
    {
        string Download(string extension) =>
            DownloadUrl ?? $"{Origin}{StoragePath}{id}.{extension}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&X-Amz-Signature=0123abcd";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$$"""
            {"data":{"record_type":"recording","id":"{{{id}}}","call_control_id":"v3:x","channels":"dual","status":"completed","duration_millis":42000,
            "source":"texml","download_urls":{"wav":"{{{Download("wav")}}}","mp3":"{{{Download("mp3")}}}"},"created_at":"2026-12-07T09:00:00Z","updated_at":"2026-12-07T09:00:42Z"}}
            """, context.RequestAborted);
    }

    private async Task ServeMediaAsync(HttpContext context, string file)
    {
        if (StorageAnswer is { } answer)
        {
            context.Response.StatusCode = answer.Status;
            if (answer.Location is { } location)
            {
                context.Response.Headers.Location = location;
            }

            await context.Response.WriteAsync($"<Error><Code>AccessDenied</Code><Message>{ErrorDetail}</Message></Error>", context.RequestAborted);
            return;
        }

        if (!await TryServeMediaAsync(context, file, "audio/wav"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code, string title)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            $$$"""{"errors":[{"code":"{{{code}}}","title":"{{{title}}}","detail":"{{{ErrorDetail}}}","meta":{"url":"https://developers.telnyx.com/docs/overview/errors/{{{code}}}"}}]}""",
            Encoding.UTF8,
            context.RequestAborted);
    }
}
