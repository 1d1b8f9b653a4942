using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.MainApp;

/// <summary>Another main app instance (<see cref="SystemHarness.StartAnotherMainAppAsync"/>): its address, client and logs.</summary>
public sealed class MainAppInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal MainAppInstance(WebApplication app, Uri baseAddress, CapturedLogs logs)
    {
        _app = app;
        BaseAddress = baseAddress;
        Logs = logs;
        Anonymous = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public CapturedLogs Logs { get; }

    /// <summary>An HTTP client without the admin key.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>A copy of <paramref name="request"/> (method, headers, body) sent to this instance's address instead.</summary>
    public async Task<HttpResponseMessage> SendCopyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var copy = new HttpRequestMessage(request.Method, new Uri(BaseAddress, request.RequestUri!.PathAndQuery));
        if (request.Content is not null)
        {
            copy.Content = new ByteArrayContent(await request.Content.ReadAsByteArrayAsync(cancellationToken));
            foreach (var (name, values) in request.Content.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        return await Anonymous.SendAsync(copy, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
