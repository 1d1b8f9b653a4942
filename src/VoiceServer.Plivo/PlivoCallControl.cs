using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using VoiceServer.Tools;

namespace VoiceServer.Plivo;

/// <summary>
/// Ends or transfers a live call through Plivo's REST API (plivo-audio-streams §6):
/// <c>DELETE {base}Account/{auth_id}/Call/{call_uuid}/</c> hangs up, <c>POST</c> to the same URL with
/// <c>aleg_url</c> transfers, with HTTP Basic <c>auth_id:auth_token</c>. Plivo transfers to XML, not to a number:
/// the A leg fetches <c>{transfer URL}?to={E.164}</c>, which must answer with a <c>&lt;Dial&gt;</c> to that number.
/// A call that has already ended (404) counts as hung up.
/// </summary>
public sealed class PlivoCallControl : ICallControl
{
    /// <summary>Plivo's production API; the SDK's default base URL.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.plivo.com/v1/");

    /// <summary>Auth IDs are <c>MA…</c> or <c>SA…</c> and 20 characters; a little room, never a path.</summary>
    private const int MaxAuthIdLength = 64;

    private static readonly SearchValues<char> s_authIdCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    private readonly HttpClient _httpClient;
    private readonly Uri _baseUrl;
    private readonly string _authId;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly Uri? _transferUrl;

    /// <param name="authId">The Auth ID (<c>PLIVO_AUTH_ID</c>): letters and digits.</param>
    /// <param name="authToken">The Auth Token (<c>PLIVO_AUTH_TOKEN</c>). Never logged.</param>
    /// <param name="httpClient">The client requests go through.</param>
    /// <param name="transferUrl">Where a transferred A leg fetches its XML (<c>PLIVO_TRANSFER_URL</c>); no transfer without it.</param>
    /// <param name="baseUrl">Plivo's API root (<c>PLIVO_API_BASE_URL</c>; a test's fake); <see cref="DefaultBaseUrl"/> when null.</param>
    public PlivoCallControl(string authId, string authToken, HttpClient httpClient, Uri? transferUrl = null, Uri? baseUrl = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        if (authId is not { Length: > 0 and <= MaxAuthIdLength } || authId.AsSpan().ContainsAnyExcept(s_authIdCharacters))
        {
            throw new ArgumentException("The Plivo Auth ID is letters and digits, as the console shows it.", nameof(authId));
        }

        if (transferUrl is not null && (!transferUrl.IsAbsoluteUri || transferUrl.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(transferUrl.Query)))
        {
            throw new ArgumentException("The Plivo transfer URL must be an absolute https URL without a query.", nameof(transferUrl));
        }

        _authId = authId;
        _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{authId}:{authToken}")));
        _httpClient = httpClient;
        _transferUrl = transferUrl;
        var root = baseUrl ?? DefaultBaseUrl;
        // Relative paths resolve under the root only when it ends with a slash.
        _baseUrl = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
    }

    public Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, callSid, content: null, cancellationToken);

    public Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken)
    {
        if (_transferUrl is null)
        {
            return Task.FromResult((CallControlOutcome.Failed, "no Plivo transfer URL is configured"));
        }

        var alegUrl = $"{_transferUrl.AbsoluteUri}?to={Uri.EscapeDataString(number)}";
        var command = new PlivoTransferCommand("aleg", alegUrl, "POST");
        return SendAsync(HttpMethod.Post, callSid, JsonContent.Create(command, PlivoJsonContext.Default.PlivoTransferCommand), cancellationToken);
    }

    private async Task<(CallControlOutcome Outcome, string Detail)> SendAsync(
        HttpMethod method,
        string callUuid,
        HttpContent? content,
        CancellationToken cancellationToken)
    {
        using var body = content;
        var hangUp = method == HttpMethod.Delete;
        if (!PlivoMessageReader.IsValidId(callUuid))
        {
            return (CallControlOutcome.Failed, "the call id is not one Plivo issues");
        }

        // Both parts are letters, digits and hyphens: nothing in them can leave the path segment. Plivo's URLs end
        // with a slash.
        var url = new Uri(_baseUrl, $"Account/{_authId}/Call/{callUuid}/");
        using var request = new HttpRequestMessage(method, url) { Content = body };
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return (CallControlOutcome.Done, hangUp ? "hung up" : "transferred");
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return hangUp ? (CallControlOutcome.Done, "the call had already ended") : (CallControlOutcome.Failed, "the call has already ended");
            }

            // The status names the problem (never the token).
            return (CallControlOutcome.Failed, $"Plivo refused: HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException)
        {
            return (CallControlOutcome.Failed, "Plivo could not be reached");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (CallControlOutcome.Failed, "Plivo did not answer in time");
        }
    }
}
