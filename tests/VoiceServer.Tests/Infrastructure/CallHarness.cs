using System.Net.WebSockets;
using VoiceServer.Fakes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// A fake Realtime server, the real voice server pointed at it, and helpers to place calls with fake Twilio
/// callers. Disposing rethrows any protocol violation a fake recorded, so it fails the test.
/// </summary>
public sealed class CallHarness : IAsyncDisposable
{
    public const string AgentId = "support-en";
    public const string CallKey = "sk-test-call-key-0123456789";

    private readonly CancellationTokenSource _timeout;
    private readonly List<FakeTwilioCaller> _callers = [];

    private CallHarness(FakeRealtimeServer realtime, TestVoiceServer server, CancellationTokenSource timeout)
    {
        Realtime = realtime;
        Server = server;
        _timeout = timeout;
    }

    public FakeRealtimeServer Realtime { get; }

    public TestVoiceServer Server { get; }

    /// <summary>The test's safety net: every await passes it.</summary>
    public CancellationToken Token => _timeout.Token;

    public static async Task<CallHarness> StartAsync(
        FakeRealtimeServerOptions? realtimeOptions = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        TimeProvider? timeProvider = null,
        bool azure = false,
        int timeoutSeconds = 20,
        Action<IServiceCollection>? services = null)
    {
        var timeout = TestTimeout.Create(timeoutSeconds);
        var realtime = await FakeRealtimeServer.StartAsync(realtimeOptions, timeout.Token);
        var merged = new Dictionary<string, string?> { ["OPENAI_REALTIME_URL"] = (azure ? realtime.AzureUrl : realtime.Url).ToString() };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[name] = value;
        }

        var server = await TestVoiceServer.StartAsync(merged, timeProvider, services: services, cancellationToken: timeout.Token);
        return new CallHarness(realtime, server, timeout);
    }

    public static Dictionary<string, string> Parameters(params (string Name, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string> { ["agentId"] = AgentId, ["openAIKey"] = CallKey };
        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        return parameters;
    }

    public async Task<FakeTwilioCaller> ConnectAsync(string? query = null, FakeTwilioCallerOptions? options = null)
    {
        var caller = await FakeTwilioCaller.ConnectAsync(Server.MediaStreamUrl(query), options, Token);
        _callers.Add(caller);
        return caller;
    }

    /// <summary>Connects, sends connected + start with the parameters, and waits until the call is ready for audio.</summary>
    public async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartCallAsync(
        IReadOnlyDictionary<string, string>? customParameters = null,
        FakeTwilioCallerOptions? options = null,
        string? query = null)
    {
        var readyBefore = Server.Logs.Entries.Count(e => e.EventName == "CallReady");
        var caller = await ConnectAsync(query, options);
        await caller.SendConnectedAsync(Token);
        await caller.SendStartAsync(customParameters ?? Parameters(), cancellationToken: Token);
        var seen = 0;
        await Server.Logs.WaitForAsync(e => e.EventName == "CallReady" && ++seen > readyBefore, Token);
        var model = await Realtime.WaitForConnectionAsync(Realtime.ConnectionCount - 1, Token);
        return (caller, model);
    }

    /// <summary>
    /// Asserts how a call ended: the close code the caller received and the end reason the server logged.
    /// Returns the close description for further checks.
    /// </summary>
    public async Task<string?> AssertCallEndedAsync(FakeTwilioCaller caller, WebSocketCloseStatus status, string endReason)
    {
        var (actual, description) = await caller.WaitForCloseAsync(Token);
        Assert.Equal(status, actual);
        var end = await Server.WaitForCallEndAsync(Token);
        Assert.Contains(endReason, end.Message, StringComparison.Ordinal);
        return description;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var caller in _callers)
            {
                await caller.DisposeAsync();
            }
        }
        finally
        {
            await Server.DisposeAsync();
            await Realtime.DisposeAsync();
            _timeout.Dispose();
        }
    }
}
