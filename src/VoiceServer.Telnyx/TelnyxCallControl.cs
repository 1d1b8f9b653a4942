using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using VoiceServer.Tools;

namespace VoiceServer.Telnyx;

/// <summary>
/// Ends or transfers a live call through Telnyx's Call Control REST API (telnyx-media-streaming §6):
/// <c>POST {base}/calls/{call_control_id}/actions/hangup</c> and <c>…/actions/transfer</c> with <c>{"to": …}</c>,
/// authorised by <c>Authorization: Bearer</c> with the API key. A call that has already ended (422 with error code
/// 90018, or 404) counts as hung up.
/// </summary>
public sealed class TelnyxCallControl : ICallControl
{
    /// <summary>Telnyx's production API; the SDK's default base URL.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.telnyx.com/v2/");

    /// <summary>"Call has already ended" (returned with 422).</summary>
    private const string CallEndedCode = "90018";

    /// <summary>An error body is read only this far: enough for Telnyx's <c>errors[0].code</c>, never unbounded.</summary>
    private const int MaxErrorBodyBytes = 16 * 1024;

    /// <summary>
    /// Call control ids look like <c>v3:T02llQxIyaRkhfRK…</c>. Anything else is refused before it reaches a URL: a
    /// dot segment or a slash must not turn into another API path.
    /// </summary>
    private const int MaxCallControlIdLength = 256;

    private static readonly SearchValues<char> s_callControlIdCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_");

    private readonly HttpClient _httpClient;
    private readonly Uri _baseUrl;
    private readonly string _apiKey;

    /// <param name="apiKey">The API key (<c>TELNYX_API_KEY</c>). Never logged.</param>
    /// <param name="httpClient">The client requests go through.</param>
    /// <param name="baseUrl">Telnyx's API root (<c>TELNYX_API_BASE_URL</c>; a test's fake); <see cref="DefaultBaseUrl"/> when null.</param>
    public TelnyxCallControl(string apiKey, HttpClient httpClient, Uri? baseUrl = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        _apiKey = apiKey;
        _httpClient = httpClient;
        var root = baseUrl ?? DefaultBaseUrl;
        // Relative paths resolve under the root only when it ends with a slash.
        _baseUrl = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
    }

    public Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken) =>
        SendAsync(callSid, "hangup", JsonContent.Create(new Dictionary<string, string>(), TelnyxJsonContext.Default.DictionaryStringString), alreadyEndedIsDone: true, cancellationToken);

    public Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken) =>
        SendAsync(callSid, "transfer", JsonContent.Create(new TelnyxTransferCommand(number), TelnyxJsonContext.Default.TelnyxTransferCommand), alreadyEndedIsDone: false, cancellationToken);

    /// <summary>True for an id that may be put in a URL path: letters, digits, <c>:</c>, <c>-</c>, <c>_</c>.</summary>
    public static bool IsValidCallControlId(string? callControlId) =>
        callControlId is { Length: > 0 and <= MaxCallControlIdLength } &&
        !callControlId.AsSpan().ContainsAnyExcept(s_callControlIdCharacters);

    private async Task<(CallControlOutcome Outcome, string Detail)> SendAsync(
        string callControlId,
        string action,
        HttpContent content,
        bool alreadyEndedIsDone,
        CancellationToken cancellationToken)
    {
        using var body = content;
        if (!IsValidCallControlId(callControlId))
        {
            return (CallControlOutcome.Failed, "the call control id is not one Telnyx issues");
        }

        // The id's characters are all legal in a path segment (':' included), so it goes in as is, as the official
        // SDK sends it.
        var url = new Uri(_baseUrl, $"calls/{callControlId}/actions/{action}");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return (CallControlOutcome.Done, action == "hangup" ? "hung up" : "transferred");
            }

            var code = await ReadErrorCodeAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound || (response.StatusCode == HttpStatusCode.UnprocessableEntity && code == CallEndedCode))
            {
                return alreadyEndedIsDone ? (CallControlOutcome.Done, "the call had already ended") : (CallControlOutcome.Failed, "the call has already ended");
            }

            // The status and Telnyx's code name the problem (never the key).
            return (CallControlOutcome.Failed, $"Telnyx refused: HTTP {(int)response.StatusCode}, code {code ?? "none"}");
        }
        catch (HttpRequestException)
        {
            return (CallControlOutcome.Failed, "Telnyx could not be reached");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (CallControlOutcome.Failed, "Telnyx did not answer in time");
        }
    }

    /// <summary>The first error's <c>code</c> (a string or a number), or null when the body says nothing usable.</summary>
    private static async Task<string?> ReadErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("errors", out var errors) &&
                errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0 &&
                errors[0].ValueKind == JsonValueKind.Object &&
                errors[0].TryGetProperty("code", out var code))
            {
                return code.ValueKind switch
                {
                    JsonValueKind.String => code.GetString(),
                    JsonValueKind.Number => code.GetRawText(),
                    _ => null,
                };
            }
        }
        catch (JsonException)
        {
            // Not JSON, or cut at the limit: the status alone has to do.
        }

        return null;
    }
}
