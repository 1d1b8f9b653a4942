using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Plivo the main app uses for recordings, on a real socket, written from Plivo's reference (not from the
/// SDK): <c>DELETE /v1/Account/{auth_id}/Recording/{id}/</c> (204, then 404) on the API, and the file at
/// <c>/v1/Account/{auth_id}/Recording/{id}.wav</c> (or <c>.mp3</c>) on the media host, here under
/// <see cref="MediaPrefix"/> on the same socket. Both require HTTP Basic <c>auth_id:auth_token</c> (401 with Plivo's
/// error shape otherwise), as Plivo's media does for an account whose recordings are private. Media can be held after
/// its first bytes, so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakePlivoRestApi : IAsyncDisposable
{
    /// <summary>Plivo's error details: an answer that passed them on would show this.</summary>
    public const string ErrorDetail = "plivo-internal-detail-5b1e";

    /// <summary>Where the fake's media host starts: <c>PLIVO_MEDIA_BASE_URL</c> is this and <c>/v1</c>.</summary>
    public const string MediaPrefix = "/media";

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly List<ReceivedHttpRequest> _requests = [];
    private readonly Dictionary<string, byte[]> _media = new(StringComparer.Ordinal);
    private readonly string _authId;
    private readonly string _authorization;
    private TaskCompletionSource? _holdMedia;
    private int _heldAfterBytes;

    private FakePlivoRestApi(WebApplication app, string authId, string authToken)
    {
        _app = app;
        _authId = authId;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authId}:{authToken}"));
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>What <c>PLIVO_API_BASE_URL</c> is set to.</summary>
    public Uri ApiBaseUrl => new(BaseAddress, "/v1");

    /// <summary>What <c>PLIVO_MEDIA_BASE_URL</c> is set to.</summary>
    public Uri MediaBaseUrl => new(BaseAddress, MediaPrefix + "/v1");

    /// <summary>When set, the API and the media answer every request with this status and an error body (or a redirect to <c>Location</c>).</summary>
    public (int Status, string? Location)? ForcedAnswer { get; set; }

    public IReadOnlyList<ReceivedHttpRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakePlivoRestApi> StartAsync(string authId, string authToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakePlivoRestApi).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakePlivoRestApi(app, authId, authToken);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>A recording Plivo holds, in both formats (the bytes stand for the file: the app never decodes them).</summary>
    public (byte[] Wav, byte[] Mp3) AddRecording(string recordingId, int length = 48_000)
    {
        var wav = new byte[length];
        var mp3 = new byte[length / 4];
        Random.Shared.NextBytes(wav);
        Random.Shared.NextBytes(mp3);
        lock (_gate)
        {
            _media[$"{recordingId}.wav"] = wav;
            _media[$"{recordingId}.mp3"] = mp3;
        }

        return (wav, mp3);
    }

    /// <summary>Media answers stop after <paramref name="bytes"/> bytes until <see cref="ReleaseMedia"/>.</summary>
    public void HoldMediaAfter(int bytes)
    {
        lock (_gate)
        {
            _heldAfterBytes = bytes;
            _holdMedia = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseMedia()
    {
        lock (_gate)
        {
            _holdMedia?.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseMedia();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        // Recorded before the answer, so a test that has its answer finds it here.
        lock (_gate)
        {
            _requests.Add(new ReceivedHttpRequest(request.Method, path, request.QueryString.Value ?? string.Empty, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, 0));
        }

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
            bool known;
            lock (_gate)
            {
                known = _media.Remove($"{id}.wav") | _media.Remove($"{id}.mp3");
            }

            if (known)
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
        byte[]? media;
        Task? hold;
        int heldAfter;
        lock (_gate)
        {
            media = _media.GetValueOrDefault(file);
            hold = _holdMedia?.Task;
            heldAfter = _heldAfterBytes;
        }

        if (media is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "not found");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = file.EndsWith(".mp3", StringComparison.Ordinal) ? "audio/mpeg" : "audio/wav";
        context.Response.ContentLength = media.Length;
        var first = hold is null ? media.Length : Math.Min(heldAfter, media.Length);
        await context.Response.Body.WriteAsync(media.AsMemory(0, first), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        if (hold is not null)
        {
            await hold.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(media.AsMemory(first), context.RequestAborted);
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
