using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// What the fakes of the providers' REST APIs share (Twilio's, Telnyx's, Plivo's): a Kestrel host on a loopback port,
/// every request kept (before it is answered, so a test that has its answer finds it), the recordings the provider
/// holds in both formats, and media that can be held after its first bytes, so a test can see that the main app
/// passes it on while it is still arriving. Each provider's routes, credentials and error shapes are its own.
/// </summary>
internal abstract class FakeRecordingProviderApi : IAsyncDisposable
{
    private readonly List<ReceivedHttpRequest> _requests = [];
    private readonly Dictionary<string, byte[]> _media = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private TaskCompletionSource? _holdMedia;
    private int _heldAfterBytes;

    protected object Gate { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<ReceivedHttpRequest> Requests
    {
        get
        {
            lock (Gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>A recording the provider holds, in both formats (the bytes stand for the file: the app never decodes them).</summary>
    public (byte[] Wav, byte[] Mp3) AddRecording(string recordingId, int length = 48_000)
    {
        var wav = new byte[length];
        var mp3 = new byte[length / 4];
        Random.Shared.NextBytes(wav);
        Random.Shared.NextBytes(mp3);
        lock (Gate)
        {
            _media[$"{recordingId}.wav"] = wav;
            _media[$"{recordingId}.mp3"] = mp3;
        }

        return (wav, mp3);
    }

    /// <summary>The recording is gone at the provider (deleted elsewhere): its media and its delete answer 404.</summary>
    public void RemoveRecording(string recordingId) => TryRemoveRecording(recordingId);

    /// <summary>Media answers stop after <paramref name="bytes"/> bytes until <see cref="ReleaseMedia"/>.</summary>
    public void HoldMediaAfter(int bytes)
    {
        lock (Gate)
        {
            _heldAfterBytes = bytes;
            _holdMedia = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseMedia()
    {
        lock (Gate)
        {
            _holdMedia?.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseMedia();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Starts <paramref name="fake"/> on a loopback port of its own.</summary>
    protected static async Task<T> StartOnLoopbackAsync<T>(T fake) where T : FakeRecordingProviderApi
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(T).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake._app = app;
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>Answers a request already kept in <see cref="Requests"/>; <paramref name="path"/> is its decoded path.</summary>
    protected abstract Task AnswerAsync(HttpContext context, string path);

    protected bool HasRecording(string recordingId)
    {
        lock (Gate)
        {
            return _media.ContainsKey($"{recordingId}.wav");
        }
    }

    /// <summary>Deletes both of the recording's files; false when it had none.</summary>
    protected bool TryRemoveRecording(string recordingId)
    {
        lock (Gate)
        {
            return _media.Remove($"{recordingId}.wav") | _media.Remove($"{recordingId}.mp3");
        }
    }

    /// <summary>
    /// Writes <paramref name="file"/> (<c>{id}.wav</c> or <c>{id}.mp3</c>) with its length, held after its first bytes
    /// when <see cref="HoldMediaAfter"/> says so; false, with nothing written, when the provider has no such file.
    /// </summary>
    protected async Task<bool> TryServeMediaAsync(HttpContext context, string file, string wavContentType)
    {
        byte[]? media;
        Task? hold;
        int heldAfter;
        lock (Gate)
        {
            media = _media.GetValueOrDefault(file);
            hold = _holdMedia?.Task;
            heldAfter = _heldAfterBytes;
        }

        if (media is null)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = file.EndsWith(".mp3", StringComparison.Ordinal) ? "audio/mpeg" : wavContentType;
        context.Response.ContentLength = media.Length;
        var first = hold is null ? media.Length : Math.Min(heldAfter, media.Length);
        await context.Response.Body.WriteAsync(media.AsMemory(0, first), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        if (hold is not null)
        {
            await hold.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(media.AsMemory(first), context.RequestAborted);
        }

        return true;
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
        lock (Gate)
        {
            _requests.Add(new ReceivedHttpRequest(request.Method, path, request.QueryString.Value ?? string.Empty, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, 0));
        }

        await AnswerAsync(context, path);
    }
}
