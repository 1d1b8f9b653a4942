using System.Text.Json;
using Microsoft.Extensions.Options;
using VoiceServer.Configuration;
using VoiceServer.Legs;
using VoiceServer.Outbound;
using VoiceServer.Secrets;
using VoiceServer.Security;

namespace VoiceServer.Handoffs;

/// <summary>
/// Fetches a handoff destination from the main app: POSTs <c>{callSid, fromAgentId, toAgentId}</c> to the call's
/// <c>handoffUrl</c>, signed with the key derived from <c>CONFIG_SIGNING_KEY</c> (<see cref="HandoffSignature"/>), and
/// reads the answer's <c>config</c> token exactly as a call's own: signature, encryption, expiry, one use, and its
/// <c>callSid</c> must be this call's. The outbound guard applies as to records and tools; redirects are not followed.
/// </summary>
internal sealed partial class HttpHandoffFetcher(
    IHttpClientFactory httpClients,
    IOptions<VoiceServerOptions> options,
    SignedCallConfiguration configurations,
    TimeProvider timeProvider,
    ILogger<HttpHandoffFetcher> logger) : IHandoffFetcher
{
    public const string HttpClientName = "handoffs";

    /// <summary>A configuration token holds at most a long prompt and tools, encrypted: 256 KiB is far beyond it.</summary>
    private const int MaxAnswerBytes = 256 * 1024;

    private static readonly IReadOnlyDictionary<string, string> s_noQuery = new Dictionary<string, string>();

    private readonly byte[] _key = HandoffSignature.Key(options.Value.ConfigSigningKey ?? throw new InvalidOperationException("Handoffs need CONFIG_SIGNING_KEY."));

    public async Task<(HandoffTarget? Target, string? Problem)> FetchAsync(Uri url, string callSid, string fromAgentId, string toAgentId, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new HandoffRequest(callSid, fromAgentId, toAgentId), HandoffJsonContext.Default.HandoffRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(_key, url, body, timeProvider.GetUtcNow()));
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (OutboundAddressRefusedException.IsRefusal(ex))
        {
            return (null, "the handoff URL leads to an address that is not allowed");
        }
        catch (HttpRequestException)
        {
            return (null, "the main app could not be reached");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                Log.Refused(logger, toAgentId, (int)response.StatusCode);
                return (null, $"the main app refused it (HTTP {(int)response.StatusCode})");
            }

            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                return (null, "the main app's answer was too long");
            }

            HandoffAnswer? answer;
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                var buffer = new byte[MaxAnswerBytes + 1];
                var length = 0;
                int read;
                while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                {
                    length += read;
                }

                answer = length > MaxAnswerBytes ? null : JsonSerializer.Deserialize(buffer.AsSpan(0, length), HandoffJsonContext.Default.HandoffAnswer);
            }
            catch (JsonException)
            {
                answer = null;
            }

            if (answer is not { Config: { } token } || ReadContext(answer) is not { } context)
            {
                return (null, "the main app's answer was not a handoff destination");
            }

            // The token is checked as any call's: a token for another call, or one already used, is refused here.
            var start = new CallerStart(StreamSid: string.Empty, callSid, AccountSid: null, Encoding: null, SampleRate: null, Channels: null,
                new Dictionary<string, string> { [SignedCallConfiguration.ParameterName] = token });
            var resolved = await configurations.ResolveAsync(s_noQuery, start, cancellationToken);
            if (resolved.Configuration is not { } configuration)
            {
                return (null, $"the destination's configuration was refused ({resolved.Error?.Message})");
            }

            if (!string.Equals(configuration.AgentId, toAgentId, StringComparison.Ordinal) || !configuration.CallControlAllowed)
            {
                return (null, "the destination's configuration is not the agent asked for, bound to this call");
            }

            return (new HandoffTarget(configuration, context, answer.LastTurns), null);
        }
    }

    private static HandoffContext? ReadContext(HandoffAnswer answer) => answer.Context switch
    {
        "full" or null => HandoffContext.Full,
        "last_turns" when answer.LastTurns is > 0 => HandoffContext.LastTurns,
        "summary" => HandoffContext.Summary,
        _ => null,
    };

    private static partial class Log
    {
        [LoggerMessage(720, LogLevel.Warning, "The main app refused the handoff to {ToAgentId}: HTTP {StatusCode}.")]
        public static partial void Refused(ILogger logger, string toAgentId, int statusCode);
    }
}
