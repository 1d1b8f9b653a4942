using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// What the playground page does besides the media socket, written from the documented contract rather than the
/// server's code: asks for a live view (<c>POST /api/playground/calls</c>) and reads its Server-Sent Events with a
/// parser of its own (field lines, blank line ends an event).
/// </summary>
public sealed class FakeLiveViewClient : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<LiveViewEvent> _events = [];
    private readonly AsyncWaiters _waiters;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private bool _completed;

    private FakeLiveViewClient(HttpResponseMessage response)
    {
        _waiters = new AsyncWaiters(_gate);
        _response = response;
        _reading = ReadAsync();
    }

    public IReadOnlyList<LiveViewEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The POST the page makes; returns the status, the JSON body and the response headers.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body, HttpResponseHeaders Headers)> RequestCallAsync(
        HttpClient http, Uri server, string? origin = null, string? accessKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/api/playground/calls"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (accessKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject(), response.Headers);
    }

    /// <summary>Opens the event stream of a live view; events are collected from then on.</summary>
    public static async Task<FakeLiveViewClient> OpenAsync(HttpClient http, Uri server, string liveViewId, string? origin = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, $"/api/playground/calls/{Uri.EscapeDataString(liveViewId)}/events"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new HttpRequestException($"the live view answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            response.Dispose();
            throw new InvalidOperationException($"the live view is not an event stream: {response.Content.Headers.ContentType}");
        }

        return new FakeLiveViewClient(response);
    }

    public Task<LiveViewEvent> WaitForAsync(string type, Func<LiveViewEvent, bool>? predicate = null, CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(
            () =>
            {
                var found = _events.FirstOrDefault(e => e.Type == type && (predicate is null || predicate(e)));
                return (found is not null, found!);
            },
            $"live view event '{type}'",
            cancellationToken);

    /// <summary>Completes when the server ended the stream (after the call's <c>ended</c>).</summary>
    public Task WaitForEndOfStreamAsync(CancellationToken cancellationToken = default) =>
        _waiters.WaitAsync(() => (_completed, true), "the end of the live view's stream", cancellationToken);

    private async Task ReadAsync()
    {
        try
        {
            await using var stream = await _response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string? type = null;
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        Add(new LiveViewEvent(type ?? "message", JsonNode.Parse(data.ToString())!.AsObject()));
                    }

                    type = null;
                    data.Clear();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line["event:".Length..].TrimStart(' ');
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(line["data:".Length..].TrimStart(' '));
                }
            }

            lock (_gate)
            {
                _completed = true;
            }

            _waiters.Notify();
            _waiters.Close("the live view's stream ended");
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            _waiters.Close($"the live view's stream failed: {ex.Message}");
        }
    }

    private void Add(LiveViewEvent liveEvent)
    {
        lock (_gate)
        {
            _events.Add(liveEvent);
        }

        _waiters.Notify();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
