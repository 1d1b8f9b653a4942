using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// Acts as the OpenAI Realtime GA server (docs/reference/openai-realtime.md): a real Kestrel host on 127.0.0.1 that serves
/// <c>/v1/realtime</c> and the Azure form <c>/openai/v1/realtime</c>, validates what clients send as strictly as the
/// real API, records it, and lets the test script the server events. Failures inside the fake are rethrown by
/// <see cref="DisposeAsync"/>.
/// </summary>
public sealed class FakeRealtimeServer : IAsyncDisposable
{
    public const string OpenAIPath = "/v1/realtime";
    public const string AzurePath = "/openai/v1/realtime";

    private readonly WebApplication _app;
    private readonly FakeRealtimeServerOptions _options;
    private readonly object _gate = new();
    private readonly AsyncWaiters _waiters;
    private readonly FailureLog _failures = new();
    private readonly List<FakeRealtimeConnection> _connections = [];
    private readonly List<Task> _connectionTasks = [];
    private int _upgradeAttempts;
    private int _refusedUpgrades;
    private int? _refusalStatus;
    private TaskCompletionSource? _upgradeHold;
    private bool _disposed;

    private FakeRealtimeServer(WebApplication app, FakeRealtimeServerOptions options)
    {
        _app = app;
        _options = options;
        _waiters = new AsyncWaiters(_gate);
    }

    /// <summary><c>ws://127.0.0.1:port/v1/realtime</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary><c>ws://127.0.0.1:port/openai/v1/realtime</c>.</summary>
    public Uri AzureUrl { get; private set; } = null!;

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    public IReadOnlyList<FakeRealtimeConnection> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Every request to a realtime path, accepted or not.</summary>
    public int UpgradeAttemptCount => Volatile.Read(ref _upgradeAttempts);

    /// <summary>Upgrades answered with an HTTP error instead of 101.</summary>
    public int RefusedUpgradeCount => Volatile.Read(ref _refusedUpgrades);

    /// <summary>Failures recorded so far (also rethrown by DisposeAsync).</summary>
    public IReadOnlyList<string> Failures => [.. _failures.Messages, .. Connections.SelectMany(c => c.Failures)];

    public static async Task<FakeRealtimeServer> StartAsync(FakeRealtimeServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeRealtimeServerOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeRealtimeServer).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeRealtimeServer(app, options);
        var webSocketOptions = new WebSocketOptions();
        if (options.KeepAliveInterval is { } keepAlive)
        {
            webSocketOptions.KeepAliveInterval = keepAlive;
        }

        app.UseWebSockets(webSocketOptions);
        app.Map(OpenAIPath, server.HandleAsync);
        app.Map(AzurePath, server.HandleAsync);
        await app.StartAsync(cancellationToken);

        var address = new Uri(app.Urls.First());
        server.BaseAddress = address;
        server.Url = new Uri($"ws://{address.Authority}{OpenAIPath}");
        server.AzureUrl = new Uri($"ws://{address.Authority}{AzurePath}");
        return server;
    }

    /// <summary>From now on, answer every upgrade with <paramref name="status"/> (an outage or a revoked key mid-call).</summary>
    public void RefuseUpgrades(int status)
    {
        lock (_gate)
        {
            _refusalStatus = status;
        }
    }

    public void AcceptUpgrades()
    {
        lock (_gate)
        {
            _refusalStatus = null;
        }
    }

    /// <summary>A slow handshake: upgrades from now on wait, unanswered, until <see cref="ReleaseUpgrades"/>.</summary>
    public void HoldUpgrades()
    {
        lock (_gate)
        {
            _upgradeHold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseUpgrades()
    {
        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _upgradeHold;
            _upgradeHold = null;
        }

        hold?.TrySetResult();
    }

    /// <summary>Waits until <paramref name="count"/> requests reached a realtime path (held, refused or accepted).</summary>
    public Task WaitForUpgradeAttemptsAsync(int count, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (Volatile.Read(ref _upgradeAttempts) >= count, true), $"{count} upgrade attempt(s)", cancellationToken);

    /// <summary>The connection accepted <paramref name="index"/>-th (0-based), already accepted or still to come.</summary>
    public Task<FakeRealtimeConnection> WaitForConnectionAsync(int index = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return _waiters.WaitAsync(
            () => (_connections.Count > index, _connections.Count > index ? _connections[index] : null!),
            $"realtime connection #{index}",
            cancellationToken);
    }

    public Task<FakeRealtimeConnection> WaitForConnectionAsync(CancellationToken cancellationToken) =>
        WaitForConnectionAsync(0, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _waiters.Close("the fake Realtime server is stopping");
        foreach (var connection in Connections)
        {
            connection.Abort();
        }

        Task[] running;
        lock (_gate)
        {
            running = [.. _connectionTasks];
        }

        await Task.WhenAll(running);
        await _app.StopAsync();
        await _app.DisposeAsync();

        var failures = new List<string>(_failures.Messages);
        foreach (var connection in Connections)
        {
            failures.AddRange(connection.Failures.Select(f => $"connection #{connection.Index}: {f}"));
        }

        if (failures.Count > 0)
        {
            var list = string.Join(Environment.NewLine, failures.Select((f, i) => $"  {i + 1}. {f}"));
            throw new InvalidOperationException($"{nameof(FakeRealtimeServer)} recorded {failures.Count} failure(s):{Environment.NewLine}{list}");
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var attempt = Interlocked.Increment(ref _upgradeAttempts);
        _waiters.Notify();
        var request = context.Request;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Expected a WebSocket upgrade request.", "invalid_request");
            return;
        }

        Task? hold;
        lock (_gate)
        {
            hold = _upgradeHold?.Task;
        }

        if (hold is not null)
        {
            try
            {
                await hold.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up on the handshake.
                return;
            }
        }

        int? refusal;
        lock (_gate)
        {
            refusal = _refusalStatus;
        }

        if ((_options.RejectUpgradeStatus is { } status && attempt <= _options.RejectFirstUpgrades ? status : refusal) is { } refuseWith)
        {
            await RefuseAsync(context, refuseWith, RefusalMessage(refuseWith), RefusalCode(refuseWith));
            return;
        }

        if (request.Path.StartsWithSegments(AzurePath, StringComparison.Ordinal) && request.Query.ContainsKey("api-version"))
        {
            // The Azure v1 path takes no api-version; the migration guide reports 401 when one is added.
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "api-version is not supported on the v1 endpoint.", "invalid_api_version");
            return;
        }

        if (_options.ExpectedApiKey is { } expectedKey && !HasKey(request, expectedKey))
        {
            var provided = request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey("api-key");
            await RefuseAsync(
                context,
                StatusCodes.Status401Unauthorized,
                provided
                    ? "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
                    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                provided ? "invalid_api_key" : null);
            return;
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        FakeRealtimeConnection connection;
        Task run;
        lock (_gate)
        {
            connection = new FakeRealtimeConnection(socket, request, _options, _connections.Count);
            run = connection.RunAsync(context.RequestAborted);
            _connections.Add(connection);
            _connectionTasks.Add(run);
        }

        _waiters.Notify();
        await run;
    }

    private static bool HasKey(HttpRequest request, string key) =>
        request.Headers.Authorization.ToString() == $"Bearer {key}" || request.Headers["api-key"].ToString() == key;

    private async Task RefuseAsync(HttpContext context, int status, string message, string? code)
    {
        Interlocked.Increment(ref _refusedUpgrades);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = status >= 500 ? "server_error" : "invalid_request_error",
                ["param"] = null,
                ["code"] = code,
            },
        };
        await context.Response.WriteAsync(FakeJson.Serialize(body), context.RequestAborted);
    }

    private static string RefusalMessage(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        StatusCodes.Status403Forbidden => "You are not allowed to access this model.",
        StatusCodes.Status404NotFound => "The model does not exist or you do not have access to it.",
        StatusCodes.Status429TooManyRequests => "You exceeded your current quota, please check your plan and billing details.",
        >= 500 => "The server had an error while processing your request. Sorry about that!",
        _ => $"Request refused with HTTP {status} ({(HttpStatusCode)status}).",
    };

    private static string? RefusalCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "invalid_api_key",
        StatusCodes.Status404NotFound => "model_not_found",
        StatusCodes.Status429TooManyRequests => "insufficient_quota",
        _ => null,
    };
}
