using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// A webhook receiver on 127.0.0.1 (or another loopback address; a real Kestrel host): records every request and answers with the scripted
/// statuses in order, then with <see cref="DefaultStatus"/>. Stands in for the main app's call-events endpoint and
/// other receivers the server calls out to.
/// </summary>
public sealed class FakeHttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly AsyncWaiters _waiters;
    private readonly List<ReceivedHttpRequest> _requests = [];
    private readonly Queue<int> _scriptedStatuses = new();
    private TaskCompletionSource? _hold;

    private FakeHttpReceiver(WebApplication app)
    {
        _app = app;
        _waiters = new AsyncWaiters(_gate);
    }

    /// <summary><c>http://127.0.0.1:port</c> (<c>http://[::1]:port</c> on IPv6 loopback).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public int DefaultStatus { get; set; } = StatusCodes.Status200OK;

    /// <summary>The body of every answer (JSON), empty by default.</summary>
    public string ResponseBody { get; set; } = string.Empty;

    /// <summary>When set, every answer carries it as its <c>Location</c> (with a 3xx status: a redirect).</summary>
    public Uri? Location { get; set; }

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

    public static Task<FakeHttpReceiver> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(IPAddress.Loopback, cancellationToken);

    /// <summary>A receiver listening on <paramref name="address"/> (e.g. <see cref="IPAddress.IPv6Loopback"/>), on an ephemeral port.</summary>
    public static async Task<FakeHttpReceiver> StartAsync(IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeHttpReceiver).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(new UriBuilder(Uri.UriSchemeHttp, address.ToString(), 0).Uri.ToString());
        var app = builder.Build();
        var receiver = new FakeHttpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync(cancellationToken);
        receiver.BaseAddress = new Uri(app.Urls.First());
        return receiver;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>The next requests get these statuses, in order.</summary>
    public void RespondWith(params int[] statuses)
    {
        lock (_gate)
        {
            foreach (var status in statuses)
            {
                _scriptedStatuses.Enqueue(status);
            }
        }
    }

    /// <summary>A receiver that does not answer: requests from now on are recorded, then wait until released.</summary>
    public void HoldRequests()
    {
        lock (_gate)
        {
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public Task<ReceivedHttpRequest> WaitForRequestAsync(int index = 0, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(
            () => (_requests.Count > index, _requests.Count > index ? _requests[index] : null!),
            $"HTTP request #{index}",
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _waiters.Close("the fake HTTP receiver is stopping");
        lock (_gate)
        {
            _hold?.TrySetResult();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        int status;
        Task? hold;
        lock (_gate)
        {
            hold = _hold?.Task;
            status = _scriptedStatuses.TryDequeue(out var scripted) ? scripted : DefaultStatus;
            _requests.Add(new ReceivedHttpRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body,
                status));
        }

        _waiters.Notify();
        if (hold is not null)
        {
            try
            {
                await hold.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        context.Response.StatusCode = status;
        if (Location is { } location)
        {
            context.Response.Headers.Location = location.ToString();
        }

        if (ResponseBody.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ResponseBody, context.RequestAborted);
        }
    }
}
