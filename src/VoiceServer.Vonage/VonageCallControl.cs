using System.Net;
using System.Net.Http.Headers;
using System.Text;
using VoiceServer.Tools;

namespace VoiceServer.Vonage;

/// <summary>
/// Ends or transfers a live call through the Vonage Voice API (vonage-voice-websockets §6):
/// <c>PUT {base}/v1/calls/{uuid}</c> with <c>{"action":"hangup"}</c>, or <c>{"action":"transfer"}</c> to an NCCO
/// that connects the number. Authorised by an application JWT (<see cref="VonageApplicationToken"/>).
/// Whether an ended call answers 404 or another 4xx is unconfirmed: on hang-up any 4xx counts as already ended.
/// </summary>
public sealed class VonageCallControl : ICallControl, IDisposable
{
    /// <summary>Vonage's API host, the SDK's default <c>apiHost</c>.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.nexmo.com/");

    private readonly HttpClient _httpClient;
    private readonly Uri _baseUrl;
    private readonly VonageApplicationToken _token;

    /// <param name="applicationId">The Vonage application's id (<c>VONAGE_APPLICATION_ID</c>): a UUID.</param>
    /// <param name="privateKeyPem">Its private key, PEM (<c>VONAGE_PRIVATE_KEY</c>). Never logged.</param>
    /// <param name="httpClient">The client requests go through.</param>
    /// <param name="baseUrl">The API root (<c>VONAGE_API_BASE_URL</c>; a test's fake); <see cref="DefaultBaseUrl"/> when null.</param>
    /// <param name="timeProvider">The clock of <c>iat</c> and <c>exp</c>.</param>
    public VonageCallControl(string applicationId, string privateKeyPem, HttpClient httpClient, Uri? baseUrl = null, TimeProvider? timeProvider = null)
    {
        _token = new VonageApplicationToken(applicationId, privateKeyPem, timeProvider);
        _httpClient = httpClient;
        var root = baseUrl ?? DefaultBaseUrl;
        // Relative paths resolve under the root only when it ends with a slash.
        _baseUrl = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
    }

    public Task<(CallControlOutcome Outcome, string Detail)> HangUpAsync(string callSid, CancellationToken cancellationToken) =>
        SendAsync(callSid, """{"action":"hangup"}""", hangUp: true, cancellationToken);

    /// <summary>Transfers to an NCCO that connects <paramref name="number"/> (E.164; Vonage writes it without the +).</summary>
    public Task<(CallControlOutcome Outcome, string Detail)> TransferAsync(string callSid, string number, CancellationToken cancellationToken)
    {
        var digits = number.StartsWith('+') ? number[1..] : number;
        if (digits.Length is 0 or > 15 || !digits.All(char.IsAsciiDigit))
        {
            return Task.FromResult((CallControlOutcome.Failed, "the number is not E.164"));
        }

        // Digits only (checked above): nothing in the number can leave its JSON string.
        var body = """{"action":"transfer","destination":{"type":"ncco","ncco":[{"action":"connect","endpoint":[{"type":"phone","number":""" +
            "\"" + digits + "\"" + """}]}]}}""";
        return SendAsync(callSid, body, hangUp: false, cancellationToken);
    }

    /// <summary>A fresh application JWT (RS256), as the official SDK's <c>tokenGenerate</c> makes one.</summary>
    public string CreateApplicationToken() => _token.Create();

    public void Dispose() => _token.Dispose();

    private async Task<(CallControlOutcome Outcome, string Detail)> SendAsync(string uuid, string json, bool hangUp, CancellationToken cancellationToken)
    {
        if (!VonageMessageReader.IsValidId(uuid))
        {
            return (CallControlOutcome.Failed, "the call id is not one Vonage issues");
        }

        // Letters, digits and hyphens only: nothing in the uuid can leave its path segment.
        var url = new Uri(_baseUrl, $"v1/calls/{uuid}");
        using var request = new HttpRequestMessage(HttpMethod.Put, url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", CreateApplicationToken());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return (CallControlOutcome.Done, hangUp ? "hung up" : "transferred");
            }

            var status = (int)response.StatusCode;
            if (hangUp && status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            {
                return (CallControlOutcome.Done, $"the call had already ended (HTTP {status})");
            }

            // The status names the problem (never the token).
            return (CallControlOutcome.Failed, $"Vonage refused: HTTP {status}");
        }
        catch (HttpRequestException)
        {
            return (CallControlOutcome.Failed, "Vonage could not be reached");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (CallControlOutcome.Failed, "Vonage did not answer in time");
        }
    }
}
