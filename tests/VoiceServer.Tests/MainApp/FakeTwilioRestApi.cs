using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using VoiceServer.Fakes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Twilio's REST API the main app uses, on a real socket, written from Twilio's reference (not from the
/// SDK): <c>POST …/Calls.json</c> places a call, <c>GET …/Recordings/{RecordingSid}.wav|.mp3</c> serves a recording's
/// media, <c>DELETE …/Recordings/{RecordingSid}.json</c> deletes it (204, then 404). Every request must carry the
/// account's Basic credentials (401 with Twilio's error 20003 otherwise). Media can be held after its first bytes,
/// so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakeTwilioRestApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly List<ReceivedHttpRequest> _requests = [];
    private readonly Dictionary<string, byte[]> _media = new(StringComparer.Ordinal);
    private readonly string _accountSid;
    private readonly string _authorization;
    private TaskCompletionSource? _holdMedia;
    private int _heldAfterBytes;

    private FakeTwilioRestApi(WebApplication app, string accountSid, string authToken)
    {
        _app = app;
        _accountSid = accountSid;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}"));
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The CallSid <c>Calls.json</c> answers with.</summary>
    public string PlacedCallSid { get; set; } = OutboundCallTests.PlacedSid;

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

    public static async Task<FakeTwilioRestApi> StartAsync(string accountSid, string authToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeTwilioRestApi).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeTwilioRestApi(app, accountSid, authToken);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>A recording Twilio holds, in both of its formats (the bytes stand for the file: the app never decodes them).</summary>
    public (byte[] Wav, byte[] Mp3) AddRecording(string recordingSid, int length = 48_000)
    {
        var wav = new byte[length];
        var mp3 = new byte[length / 4];
        Random.Shared.NextBytes(wav);
        Random.Shared.NextBytes(mp3);
        lock (_gate)
        {
            _media[$"{recordingSid}.wav"] = wav;
            _media[$"{recordingSid}.mp3"] = mp3;
        }

        return (wav, mp3);
    }

    /// <summary>The recording is gone at Twilio (deleted elsewhere): its media and its delete answer 404.</summary>
    public void RemoveRecording(string recordingSid)
    {
        lock (_gate)
        {
            _media.Remove($"{recordingSid}.wav");
            _media.Remove($"{recordingSid}.mp3");
        }
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

        await AnswerAsync(context, path);
    }

    private async Task AnswerAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (!string.Equals(request.Headers.Authorization, _authorization, StringComparison.Ordinal))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, 20003, "Authenticate");
            return;
        }

        var account = $"/2010-04-01/Accounts/{_accountSid}";
        const string Recordings = "/Recordings/";
        if (request.Method == "POST" && path == $"{account}/Calls.json")
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"sid":"{{PlacedCallSid}}","account_sid":"{{_accountSid}}","status":"queued","direction":"outbound-api"}""", context.RequestAborted);
        }
        else if (request.Method == "GET" && path.StartsWith(account + Recordings, StringComparison.Ordinal))
        {
            await ServeMediaAsync(context, path[(account.Length + Recordings.Length)..]);
        }
        else if (request.Method == "DELETE" && path.StartsWith(account + Recordings, StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal))
        {
            var sid = path[(account.Length + Recordings.Length)..^".json".Length];
            bool removed;
            lock (_gate)
            {
                removed = _media.Remove($"{sid}.wav") | _media.Remove($"{sid}.mp3");
            }

            if (removed)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else
            {
                await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {path} was not found");
            }
        }
        else
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {path} was not found");
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
            await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {context.Request.Path} was not found");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = file.EndsWith(".mp3", StringComparison.Ordinal) ? "audio/mpeg" : "audio/x-wav";
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

    private static async Task ErrorAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{status}}}""", context.RequestAborted);
    }

    /// <summary>A form body as Twilio reads it: every value of each name, in order.</summary>
    public static Dictionary<string, StringValues> Form(string body) => QueryHelpers.ParseQuery(body);
}
