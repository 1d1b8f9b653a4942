using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// Asks the model for one analysis through the official OpenAI .NET library: Chat Completions with the answer's schema
/// as a strict <c>json_schema</c> response format, to OpenAI (or <c>ANALYSIS_OPENAI_BASE_URL</c>) or to an Azure OpenAI
/// deployment. The library's own retries are off: the durable queue retries, with its backoff, across restarts.
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
        if (_options.AzureEndpoint is { } azure)
        {
            var azureOptions = new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = _options.RequestTimeout };
            return new AzureOpenAIClient(azure, credential, azureOptions).GetChatClient(_options.Model);
        }

        var openAIOptions = new OpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = _options.RequestTimeout };
        if (_options.BaseUrl is { } baseUrl)
        {
            openAIOptions.Endpoint = baseUrl;
        }

        return new ChatClient(_options.Model, credential, openAIOptions);
    }
}
