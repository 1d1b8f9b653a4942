using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Fakes;

/// <summary>
/// OpenAI's Chat Completions API on 127.0.0.1 (a real Kestrel host), written from the API's wire format and not from
/// any client: <c>POST …/chat/completions</c> with a Bearer key (or Azure's <c>api-key</c>). Strict like the API on what
/// the main app's analysis must send: a request without <c>response_format</c> <c>json_schema</c> with
/// <c>strict: true</c> and a schema whose objects all say <c>additionalProperties: false</c> and require every
/// property is refused with OpenAI's 400 error, and the problem is rethrown when the fake is disposed. Answers with
/// the scripted replies in order, then with <see cref="DefaultReply"/>.
/// </summary>
public sealed class FakeOpenAIChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly AsyncWaiters _waiters;
    private readonly List<FakeChatRequest> _requests = [];
    private readonly Queue<FakeChatReply> _script = new();
    private readonly List<string> _problems = [];
    private TaskCompletionSource? _hold;

    private FakeOpenAIChatServer(WebApplication app)
    {
        _app = app;
        _waiters = new AsyncWaiters(_gate);
    }

    /// <summary><c>http://127.0.0.1:port/v1</c>: what <c>ANALYSIS_OPENAI_BASE_URL</c> is set to.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The reply once the script is used up: a 500 until a test says otherwise.</summary>
    public FakeChatReply DefaultReply { get; set; } = FakeChatReply.Status(500);

    public IReadOnlyList<FakeChatRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeOpenAIChatServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeOpenAIChatServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeOpenAIChatServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        server.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>The next requests get these replies, in order.</summary>
    public void Script(params FakeChatReply[] replies)
    {
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _script.Enqueue(reply);
            }
        }
    }

    /// <summary>From now on requests are recorded, then wait (until <see cref="Release"/> or the client gives up).</summary>
    public void HoldRequests()
    {
        lock (_gate)
        {
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _hold?.TrySetResult();
            _hold = null;
        }
    }

    /// <summary>Waits until <paramref name="count"/> requests have arrived.</summary>
    public Task<FakeChatRequest> WaitForRequestAsync(int count, CancellationToken cancellationToken) =>
        _waiters.WaitAsync(() => (_requests.Count >= count, _requests.Count >= count ? _requests[count - 1] : null!), $"chat completion request #{count}", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _waiters.Close("the fake OpenAI server is stopping");
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
        lock (_gate)
        {
            if (_problems.Count > 0)
            {
                throw new InvalidOperationException("The fake OpenAI server refused requests: " + string.Join("; ", _problems));
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var key = context.Request.Headers.Authorization.ToString() is { Length: > 7 } bearer && bearer.StartsWith("Bearer ", StringComparison.Ordinal)
            ? bearer["Bearer ".Length..]
            : context.Request.Headers["api-key"].ToString();
        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        var problem = context.Request.Method != "POST" || !(context.Request.Path.Value ?? string.Empty).EndsWith("/chat/completions", StringComparison.Ordinal)
            ? $"{context.Request.Method} {context.Request.Path} is not POST …/chat/completions"
            : key.Length == 0
                ? "no API key"
                : body is null ? "the body is not a JSON object" : RequestProblem(body);
        FakeChatReply reply;
        Task? hold;
        lock (_gate)
        {
            hold = _hold?.Task;
            reply = problem is not null ? FakeChatReply.Status(400) : _script.TryDequeue(out var scripted) ? scripted : DefaultReply;
            if (problem is not null)
            {
                _problems.Add(problem);
            }

            _requests.Add(new FakeChatRequest(
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                key,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body ?? [],
                reply));
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

        context.Response.StatusCode = reply.StatusCode;
        context.Response.ContentType = "application/json";
        var answer = reply.StatusCode == StatusCodes.Status200OK
            ? Completion((string?)body?["model"] ?? "unknown", reply.Content, reply.Refusal)
            : Error(reply.StatusCode, problem ?? reply.ErrorMessage);
        await context.Response.WriteAsync(answer.ToJsonString(), Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>What the API would refuse of a structured-outputs request; null when it is well formed.</summary>
    private static string? RequestProblem(JsonObject body)
    {
        if (body["model"] is not JsonValue model || (string?)model is not { Length: > 0 })
        {
            return "model is missing";
        }

        if (body["messages"] is not JsonArray { Count: > 0 } messages || messages.Any(m => m?["role"] is null || m["content"] is null))
        {
            return "messages must be a non-empty array of {role, content}";
        }

        if (body["response_format"] is not JsonObject format || (string?)format["type"] != "json_schema")
        {
            return "response_format.type must be json_schema";
        }

        if (format["json_schema"] is not JsonObject jsonSchema || (string?)jsonSchema["name"] is not { Length: > 0 } ||
            jsonSchema["strict"] is not JsonValue strict || !strict.TryGetValue<bool>(out var isStrict) || !isStrict)
        {
            return "response_format.json_schema needs a name and strict: true";
        }

        return jsonSchema["schema"] is JsonObject schema ? StrictProblem(schema, "schema") : "response_format.json_schema.schema must be an object";
    }

    /// <summary>Strict mode's object rules, as the API states them: no extra properties, every property required.</summary>
    private static string? StrictProblem(JsonNode? node, string path)
    {
        if (node is not JsonObject schema)
        {
            return null;
        }

        if (schema["properties"] is JsonObject properties)
        {
            if (schema["additionalProperties"] is not JsonValue additional || !additional.TryGetValue<bool>(out var allowed) || allowed)
            {
                return $"{path}: additionalProperties must be false in strict mode";
            }

            var required = (schema["required"] as JsonArray)?.Select(r => (string?)r).ToHashSet() ?? [];
            if (properties.Select(p => p.Key).FirstOrDefault(name => !required.Contains(name)) is { } missing)
            {
                return $"{path}: '{missing}' must be required in strict mode";
            }

            foreach (var (name, child) in properties)
            {
                if (StrictProblem(child, $"{path}.{name}") is { } problem)
                {
                    return problem;
                }
            }
        }

        return StrictProblem(schema["items"], $"{path}.items")
            ?? (schema["anyOf"] as JsonArray)?.Select((option, i) => StrictProblem(option, $"{path}.anyOf[{i}]")).FirstOrDefault(p => p is not null);
    }

    private static JsonObject Completion(string model, string? content, string? refusal) => new()
    {
        ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
        ["object"] = "chat.completion",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = refusal },
            ["logprobs"] = null,
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 120, ["completion_tokens"] = 40, ["total_tokens"] = 160 },
    };

    private static JsonObject Error(int status, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = status >= 500 ? "server_error" : "invalid_request_error",
            ["param"] = null,
            ["code"] = null,
        },
    };
}

/// <summary>A request the fake received: its path and query, the key it carried (Bearer or <c>api-key</c>), its headers and JSON body.</summary>
public sealed record FakeChatRequest(string Path, string Query, string ApiKey, IReadOnlyDictionary<string, string> Headers, JsonObject Body, FakeChatReply Reply)
{
    public JsonObject ResponseSchema => (JsonObject)Body["response_format"]!["json_schema"]!["schema"]!;

    /// <summary>Every message's content, joined.</summary>
    public string Text => string.Join("\n", ((JsonArray)Body["messages"]!).Select(m => m!["content"] is JsonValue value ? (string?)value : m["content"]!.ToJsonString()));
}

/// <summary>How the fake answers one request.</summary>
public sealed record FakeChatReply(int StatusCode, string? Content, string? Refusal = null, string ErrorMessage = "The server had an error while processing your request.")
{
    /// <summary>A completion whose message content is <paramref name="content"/> (the answer's JSON text, or anything else).</summary>
    public static FakeChatReply Answer(string content) => new(200, content);

    public static FakeChatReply Answer(JsonNode content) => new(200, content.ToJsonString());

    /// <summary>A completion where the model refused (<c>message.refusal</c>, no content).</summary>
    public static FakeChatReply Refused(string refusal) => new(200, null, refusal);

    /// <summary>An error status with OpenAI's error body; <paramref name="message"/> as the API would phrase it.</summary>
    public static FakeChatReply Status(int statusCode, string? message = null) => new(statusCode, null, null, message ?? "The server had an error while processing your request.");
}
