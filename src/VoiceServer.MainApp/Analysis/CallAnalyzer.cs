using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// Asks the model for one analysis through the official OpenAI .NET library: Chat Completions with the answer's schema
/// as a strict <c>json_schema</c> response format, to OpenAI (or <c>ANALYSIS_OPENAI_BASE_URL</c>) or to an Azure OpenAI
/// deployment through Azure's v1 API (<c>&lt;endpoint&gt;/openai/v1/</c>, the key in <c>api-key</c>, the deployment
/// as the model), which takes the same library. The library's own retries are off: the durable queue retries, with
/// its backoff, across restarts.
/// </summary>
internal sealed class CallAnalyzer(IOptions<AnalysisOptions> options)
{
    private readonly AnalysisOptions _options = options.Value;

    /// <summary>The model's answer text (the JSON to check), or null when it refused.</summary>
    public async Task<string?> AskAsync(string apiKey, AnalysisRequest request, CancellationToken cancellationToken)
    {
        var client = Client(apiKey);
        var completionOptions = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                AnalysisRequest.SchemaName,
                BinaryData.FromString(request.ResponseSchema.ToJsonString()),
                jsonSchemaIsStrict: true),
        };
        ChatMessage[] messages = [new SystemChatMessage(request.Instructions), new UserChatMessage(request.Transcript)];
        ChatCompletion completion = await client.CompleteChatAsync(messages, completionOptions, cancellationToken);
        return completion.Refusal is null && completion.Content.Count > 0 ? completion.Content[0].Text : null;
    }

    private ChatClient Client(string apiKey)
    {
        var credential = new ApiKeyCredential(apiKey);
        var openAIOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = _options.RequestTimeout };
        if (_options.AzureEndpoint is { } azure)
        {
            openAIOptions.Endpoint = new Uri(azure, "openai/v1/");
            openAIOptions.AddPolicy(AzureApiKeyPolicy.Instance, PipelinePosition.BeforeTransport);
        }

        if (_options.BaseUrl is { } baseUrl)
        {
            openAIOptions.Endpoint = baseUrl;
        }

        return new ChatClient(_options.Model, credential, openAIOptions);
    }

    /// <summary>
    /// Azure takes its keys in <c>api-key</c>: the library's Bearer header is moved there just before the request
    /// leaves (the library's own constructor for another header is still marked experimental).
    /// </summary>
    private sealed class AzureApiKeyPolicy : PipelinePolicy
    {
        private const string BearerPrefix = "Bearer ";

        public static AzureApiKeyPolicy Instance { get; } = new();

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            MoveKey(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            MoveKey(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private static void MoveKey(PipelineMessage message)
        {
            var headers = message.Request.Headers;
            if (headers.TryGetValue("Authorization", out var authorization) && authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.Ordinal))
            {
                headers.Remove("Authorization");
                headers.Set("api-key", authorization[BearerPrefix.Length..]);
            }
        }
    }
}
