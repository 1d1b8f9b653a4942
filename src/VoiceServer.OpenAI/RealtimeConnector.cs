using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using VoiceServer.Legs;

namespace VoiceServer.OpenAI;

/// <summary>
/// Opens Realtime GA connections to OpenAI or Azure OpenAI's v1 endpoint: <c>?model=</c> on the configured URL,
/// the key in <c>Authorization: Bearer</c> or <c>api-key</c>, never in the URL, never an <c>OpenAI-Beta</c> header.
/// </summary>
public sealed partial class RealtimeConnector(
    IOptions<RealtimeOptions> options,
    IRealtimeEndpoint endpoint,
    TimeProvider timeProvider,
    ILogger<RealtimeConnector> logger) : IModelConnector
{
    private readonly ResiliencePipeline _retry = BuildRetryPipeline(options.Value, timeProvider, logger);

    public async Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var deadline = new CancellationTokenSource(settings.ConnectDeadline, timeProvider);
        using var callOrDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await _retry.ExecuteAsync(
                static async (state, token) => await state.Connector.ConnectOnceAsync(state.Request, token),
                (Connector: this, Request: request),
                callOrDeadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ModelConnectException($"could not connect to the model within {settings.ConnectDeadline.TotalSeconds:0.#} s", null, null);
        }
    }

    private async Task<IModelLeg> ConnectOnceAsync(ModelConnectRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var model = request.Model ?? settings.Model;
        var uri = BuildUri(endpoint.Url, model);
        var useApiKeyHeader = UsesApiKeyHeader(settings.AuthHeader, uri);

        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = settings.KeepAliveInterval;
        socket.Options.CollectHttpResponseDetails = true;
        if (useApiKeyHeader)
        {
            socket.Options.SetRequestHeader("api-key", request.ApiKey);
        }
        else
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + request.ApiKey);
        }

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Log.Connecting(logger, uri.GetLeftPart(UriPartial.Path), model, useApiKeyHeader ? "api-key" : "bearer");
        try
        {
            await socket.ConnectAsync(uri, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ModelConnectException($"timed out after {settings.ConnectTimeout.TotalSeconds:0.#} s connecting to the model", null, null);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            // The provider's messages and URLs never contain the key: it only ever travels in a header.
            throw status != 0
                ? new ModelConnectException($"the model refused the connection with HTTP {status}", status, ex)
                : new ModelConnectException($"could not connect to the model: {ex.Message}", null, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RealtimeModelLeg(socket, settings.MaxMessageBytes, settings.OutboundCapacity);
    }

    /// <summary>No answer, a timeout, 408, 429 or 5xx may pass; a refused key or a bad request will not.</summary>
    internal static bool IsTransient(ModelConnectException exception) =>
        exception.StatusCode is null or 408 or 429 or >= 500;

    private static ResiliencePipeline BuildRetryPipeline(RealtimeOptions settings, TimeProvider timeProvider, ILogger logger) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ModelConnectException>(IsTransient),
                MaxRetryAttempts = Math.Max(1, settings.ConnectRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                OnRetry = arguments =>
                {
                    Log.ConnectRetry(logger, arguments.AttemptNumber + 1, arguments.Outcome.Exception?.Message, (long)arguments.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    internal static Uri BuildUri(Uri baseUrl, string model)
    {
        var builder = new UriBuilder(baseUrl);
        var modelParameter = "model=" + Uri.EscapeDataString(model);
        builder.Query = string.IsNullOrEmpty(builder.Query) || builder.Query == "?"
            ? modelParameter
            : builder.Query.TrimStart('?') + "&" + modelParameter;
        return builder.Uri;
    }

    internal static bool UsesApiKeyHeader(RealtimeAuthHeader setting, Uri uri) => setting switch
    {
        RealtimeAuthHeader.ApiKey => true,
        RealtimeAuthHeader.Bearer => false,
        _ => RealtimeOptions.IsAzureEndpoint(uri),
    };

    private static partial class Log
    {
        [LoggerMessage(200, LogLevel.Debug, "Connecting to {Endpoint} (model {Model}, auth header {AuthHeader}).")]
        public static partial void Connecting(ILogger logger, string endpoint, string model, string authHeader);

        [LoggerMessage(201, LogLevel.Warning, "Model connect attempt {Attempt} failed ({Problem}); retrying in {DelayMs} ms.")]
        public static partial void ConnectRetry(ILogger logger, int attempt, string? problem, long delayMs);
    }
}
