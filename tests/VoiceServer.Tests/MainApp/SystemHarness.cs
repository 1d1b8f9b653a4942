using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The whole system on loopback: the main app (on SQLite in a temp file, or on PostgreSQL in a schema of its own),
/// the real voice server, and a fake Realtime server; the test plays Twilio. The two services share the call-events
/// signing key, as a deployment does.
/// </summary>
public sealed class SystemHarness : IAsyncDisposable
{
    public const string AuthToken = "twilio-auth-token-for-tests-0123";
    public const string AdminKey = "admin-key-for-tests-0123456789";
    public const string EventsKey = "call-events-key-for-tests-0123456789abcdef";
    public const string ConfigKey = "config-signing-key-for-tests-0123456789";
    public const string PostgresVariable = "MAIN_APP_TEST_POSTGRES";

    private WebApplication _mainApp;
    private Dictionary<string, string?> _settings = [];
    private readonly string? _sqliteFile;
    private readonly string? _postgresSchema;
    private readonly CancellationTokenSource _timeout;

    private SystemHarness(WebApplication mainApp, CallHarness voice, CapturedLogs logs, Uri baseAddress, string? sqliteFile, string? postgresSchema, CancellationTokenSource timeout)
    {
        _mainApp = mainApp;
        Voice = voice;
        Logs = logs;
        BaseAddress = baseAddress;
        _sqliteFile = sqliteFile;
        _postgresSchema = postgresSchema;
        _timeout = timeout;
        Admin = new HttpClient { BaseAddress = baseAddress };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        // An oversized body is sent only once the server has answered 100 Continue, so a refusal before reading
        // reaches the test as a status code, not as a connection reset halfway through the upload.
        Anonymous = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = baseAddress };
    }

    /// <summary>The voice server and the fake Realtime server.</summary>
    public CallHarness Voice { get; }

    /// <summary>The main app's log lines.</summary>
    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; }

    /// <summary>On PostgreSQL, this test's schema, also the application name of the main app's connections.</summary>
    public string? PostgresSchema => _postgresSchema;

    public Uri WebhookUrl => new(BaseAddress, "/api/twilio/voice");

    /// <summary>An HTTP client with the admin API key.</summary>
    public HttpClient Admin { get; }

    /// <summary>An HTTP client without the key, that waits for 100 Continue before sending a body that asks for it.</summary>
    public HttpClient Anonymous { get; }

    public CancellationToken Token => _timeout.Token;

    internal AgentStore Store => _mainApp.Services.GetRequiredService<AgentStore>();

    internal Database Database => _mainApp.Services.GetRequiredService<Database>();

    internal CallRecordingStore Recordings => _mainApp.Services.GetRequiredService<CallRecordingStore>();

    /// <summary>One of the running main app's services.</summary>
    internal T MainAppService<T>() where T : notnull => _mainApp.Services.GetRequiredService<T>();

    /// <summary>The backends a test runs on: SQLite always; PostgreSQL as the test command starts it (scripts/test.sh).</summary>
    public static TheoryData<string> Backends => ["sqlite", "postgres"];

    /// <summary>The voice server's settings in every system: <paramref name="extra"/> adds to them or overrides them.</summary>
    public static Dictionary<string, string?> VoiceSettings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        // Deployed as docs/security.md's checklist says: signed configuration with the agents' keys encrypted in it,
        // so the voice server needs no key of its own.
        var settings = new Dictionary<string, string?>
        {
            ["CONFIG_SIGNING_KEY"] = ConfigKey,
            ["CALL_EVENTS_SIGNING_KEY"] = EventsKey,
            ["CALL_EVENTS_RETRY_DELAY_MS"] = "10",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }

        return settings;
    }

    /// <summary>
    /// The voice server and the main app on <paramref name="backend"/>, with <paramref name="extra"/> over the main app's
    /// settings, <paramref name="voiceSettings"/> over the voice server's, and <paramref name="services"/> registered
    /// after the main app's own (e.g. the analysis worker's clock), and <paramref name="voiceServices"/> after the voice server's;
    /// <paramref name="voiceTime"/> is the voice server's clock.
    /// </summary>
    public static async Task<SystemHarness> StartAsync(
        string backend,
        IReadOnlyDictionary<string, string?>? extra = null,
        IReadOnlyDictionary<string, string?>? voiceSettings = null,
        Action<IServiceCollection>? services = null,
        TimeProvider? voiceTime = null,
        Action<IServiceCollection>? voiceServices = null)
    {
        var voice = await CallHarness.StartAsync(settings: VoiceSettings(voiceSettings), timeProvider: voiceTime, services: voiceServices);
        var timeout = TestTimeout.Create(30);
        string? sqliteFile = null;
        string? schema = null;
        string connectionString;
        if (backend == "postgres")
        {
            var server = Environment.GetEnvironmentVariable(PostgresVariable)
                ?? throw new InvalidOperationException($"{PostgresVariable} is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");
            // Each test in a schema of its own: tests run in parallel against one database.
            schema = "t_" + Guid.NewGuid().ToString("N");
            await using (var connection = new NpgsqlConnection(server))
            {
                await connection.OpenAsync(timeout.Token);
                await using var create = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
                await create.ExecuteNonQueryAsync(timeout.Token);
            }

            // Named after its schema too, so a test can find this app's connections on the server.
            connectionString = $"{server};Search Path={schema};Application Name={schema}";
        }
        else
        {
            sqliteFile = Path.Combine(Path.GetTempPath(), $"main-app-{Guid.NewGuid():N}.db");
            connectionString = $"Data Source={sqliteFile};Pooling=False";
        }

        // The port is chosen before the app binds it (PUBLIC_URL names it), so another process may take it in between:
        // then the app is built again on another port.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var baseAddress = new Uri($"http://127.0.0.1:{port}");
            var logs = new CapturedLogs();
            var settings = new Dictionary<string, string?>
            {
                ["DATABASE_PROVIDER"] = backend,
                ["DATABASE_URL"] = connectionString,
                ["VOICE_SERVER_URL"] = $"ws://{voice.Server.BaseAddress.Authority}",
                ["PUBLIC_URL"] = baseAddress.ToString(),
                ["TWILIO_AUTH_TOKEN"] = AuthToken,
                ["ADMIN_API_KEY"] = AdminKey,
                ["CALL_EVENTS_SIGNING_KEY"] = EventsKey,
                ["CONFIG_SIGNING_KEY"] = ConfigKey,
                ["ENCRYPTION_KEY"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
            };
            foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[name] = value;
            }

            var app = BuildMainApp(baseAddress, settings, logs, services);
            try
            {
                await MainAppApplication.StartAsync(app, timeout.Token);
                return new SystemHarness(app, voice, logs, baseAddress, sqliteFile, schema, timeout) { _settings = settings };
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
                await app.DisposeAsync();
            }
            catch
            {
                // A main app that refuses to start (the tests of start-up rules) leaves nothing behind.
                await new SystemHarness(app, voice, logs, baseAddress, sqliteFile, schema, timeout).DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Stops the main app (as a deployment's restart does: its hosted services stop, in-flight work is cancelled) and
    /// starts a new one on the same address and database, with <paramref name="extra"/> over the first one's settings;
    /// <paramref name="whileStopped"/> runs in between.
    /// </summary>
    public async Task RestartMainAppAsync(IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null, Action? whileStopped = null)
    {
        await _mainApp.StopAsync(Token);
        await _mainApp.DisposeAsync();
        whileStopped?.Invoke();
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            _settings[name] = value;
        }

        _mainApp = BuildMainApp(BaseAddress, _settings, Logs, services);
        await MainAppApplication.StartAsync(_mainApp, Token);
    }

    /// <summary>
    /// A second main app on this one's database and settings, on a port of its own: another instance behind the same
    /// public address (<c>PUBLIC_URL</c> stays this one's, so what is signed for one is signed for both).
    /// </summary>
    public async Task<MainAppInstance> StartAnotherMainAppAsync(Action<IServiceCollection>? services = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var address = new Uri($"http://127.0.0.1:{FreePort()}");
            var logs = new CapturedLogs();
            var app = BuildMainApp(address, _settings, logs, services);
            try
            {
                await MainAppApplication.StartAsync(app, Token);
                return new MainAppInstance(app, address, logs);
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
                await app.DisposeAsync();
            }
        }
    }

    private static WebApplication BuildMainApp(Uri baseAddress, Dictionary<string, string?> settings, CapturedLogs logs, Action<IServiceCollection>? services) =>
        MainAppApplication.Build(
            [$"--urls={baseAddress}"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.ClearProviders();
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
                // The voice server's appsettings.json sits beside the tests and says Information; the analysis
                // worker's Debug line tells the tests it sleeps.
                builder.Logging.AddFilter("VoiceServer.MainApp.Analysis", LogLevel.Debug);
                builder.Logging.AddProvider(logs);
                services?.Invoke(builder.Services);
            });

    /// <summary>
    /// POSTs a call record as the voice server does: signed with the shared key over <c>PUBLIC_URL</c> + path,
    /// computed here from the documented scheme (<c>t=…,v2=hex(HMAC-SHA256(key, "t.url.body"))</c>).
    /// </summary>
    public async Task<HttpResponseMessage> PostCallRecordAsync(string body, bool withSignature = true)
    {
        var url = new Uri(BaseAddress, "/api/calls/events");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        if (withSignature)
        {
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(EventsKey), Encoding.UTF8.GetBytes($"{timestamp}.{url.AbsoluteUri}.{body}"));
            request.Headers.Add("X-Voice-Server-Signature", $"t={timestamp},v2={Convert.ToHexStringLower(mac)}");
        }

        return await Anonymous.SendAsync(request, Token);
    }

    /// <summary>A call record of schema version 1 as the voice server writes it (call-records.md), with one caller turn.</summary>
    public static JsonObject CallRecord(string callId, string? agentId = "bakery", string endReason = "caller_stopped", long durationMs = 60_000, string turnText = "I'd like to order a cake.") => new()
    {
        ["schemaVersion"] = 1,
        ["callId"] = callId,
        ["callSid"] = "CA0123456789abcdef0123456789abcdef",
        ["streamSid"] = "MZ0123456789abcdef0123456789abcdef",
        ["agentId"] = agentId,
        ["model"] = "gpt-realtime",
        ["startedAt"] = "2026-11-24T09:00:00.1234567+00:00",
        ["endedAt"] = DateTimeOffset.Parse("2026-11-24T09:00:00.1234567+00:00", System.Globalization.CultureInfo.InvariantCulture).AddMilliseconds(durationMs).ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        ["durationMs"] = durationMs,
        ["endReason"] = endReason,
        ["endDetail"] = "the caller hung up",
        ["turns"] = new JsonArray(new JsonObject { ["speaker"] = "caller", ["text"] = turnText, ["startedAt"] = "2026-11-24T09:00:01+00:00", ["interrupted"] = false }),
        ["bargeIns"] = 0,
        ["modelReconnects"] = 0,
    };

    /// <summary>Creates an agent through the admin API and gives it a number (Twilio's unless <paramref name="provider"/> says otherwise).</summary>
    public async Task CreateAgentAsync(string id, string number, JsonObject agent, string? provider = null)
    {
        using var created = await Admin.PutAsJsonAsync($"/api/agents/{id}", agent, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var assignment = new JsonObject { ["agentId"] = id };
        if (provider is not null)
        {
            assignment["provider"] = provider;
        }

        using var assigned = await Admin.PutAsJsonAsync($"/api/numbers/{Uri.EscapeDataString(number)}", assignment, Token);
        Assert.Equal(HttpStatusCode.NoContent, assigned.StatusCode);
    }

    /// <summary>Runs <paramref name="sql"/> on the main app's database, as an operator (or an outage) would under the running app.</summary>
    public async Task<int> ExecuteSqlAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(Token);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(Token);
    }

    /// <summary>Twilio's voice webhook for an incoming call to <paramref name="to"/>.</summary>
    public Task<TwimlAnswer> CallAsync(string to, string callSid, string from = "+15550001111", string? authToken = AuthToken) =>
        FakeTwilioWebhook.PostAsync(
            WebhookUrl,
            authToken,
            new Dictionary<string, string>
            {
                ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
                ["CallSid"] = callSid,
                ["From"] = from,
                ["To"] = to,
                ["CallStatus"] = "ringing",
                ["Direction"] = "inbound",
            },
            Token);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        await _mainApp.StopAsync();
        await _mainApp.DisposeAsync();
        await Voice.DisposeAsync();
        if (_sqliteFile is not null)
        {
            File.Delete(_sqliteFile);
        }

        if (_postgresSchema is not null && Environment.GetEnvironmentVariable(PostgresVariable) is { } server)
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA {_postgresSchema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        _timeout.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
