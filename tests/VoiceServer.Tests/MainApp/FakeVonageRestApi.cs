using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Vonage the main app uses for recordings, on a real socket, written from Vonage's reference (not from the
/// SDK): a recording's file at <c>GET /v1/files/{uuid}</c>, which Vonage serves to a Bearer application JWT signed by
/// the application that made the recording. The JWT is checked here by hand: <c>alg</c> RS256, the signature against
/// the application's public key, and the claims <c>application_id</c> (this application's), <c>iat</c>, <c>jti</c> and
/// <c>exp</c> (now between them); anything else answers 401 with Vonage's error shape. Media can be held after its first
/// bytes, so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakeVonageRestApi : FakeRecordingProviderApi
{
    /// <summary>Vonage's error details: an answer that passed them on would show this.</summary>
    public const string ErrorDetail = "vonage-internal-detail-7c2d";

    private readonly string _applicationId;
    private readonly RSA _publicKey;
    private readonly List<JsonElement> _claims = [];

    private FakeVonageRestApi(string applicationId, RSA publicKey)
    {
        _applicationId = applicationId;
        _publicKey = publicKey;
    }

    /// <summary>When set, every request is answered with this status and an error body (or a redirect to <c>Location</c>).</summary>
    public (int Status, string? Location)? ForcedAnswer { get; set; }

    /// <summary>The claims of every token the fake accepted.</summary>
    public IReadOnlyList<JsonElement> AcceptedClaims
    {
        get
        {
            lock (Gate)
            {
                return [.. _claims];
            }
        }
    }

    /// <summary>The file's URL as Vonage's recording callback sends it.</summary>
    public Uri FileUrl(string fileId) => new(BaseAddress, $"/v1/files/{fileId}");

    public static Task<FakeVonageRestApi> StartAsync(string applicationId, RSA publicKey) =>
        StartOnLoopbackAsync(new FakeVonageRestApi(applicationId, publicKey));

    protected override async Task AnswerAsync(HttpContext context, string path)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || Verify(authorization["Bearer ".Length..]) is not { } claims)
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized");
            return;
        }

        lock (Gate)
        {
            _claims.Add(claims);
        }

        if (ForcedAnswer is { } forced)
        {
            if (forced.Location is { } location)
            {
                context.Response.Headers.Location = location;
            }

            await ErrorAsync(context, forced.Status, "Unexpected error");
            return;
        }

        const string Files = "/v1/files/";
        if (context.Request.Method == "GET" && path.StartsWith(Files, StringComparison.Ordinal) &&
            await TryServeMediaAsync(context, path[Files.Length..] + ".wav", "audio/wav"))
        {
            return;
        }

        await ErrorAsync(context, StatusCodes.Status404NotFound, "Not Found");
    }

    /// <summary>The token's claims when it is an RS256 JWT this application signed and is valid now; null otherwise.</summary>
    private JsonElement? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            using var header = JsonDocument.Parse(FromBase64Url(parts[0]));
            if (header.RootElement.GetProperty("alg").GetString() != "RS256")
            {
                return null;
            }

            if (!_publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return null;
            }

            using var payload = JsonDocument.Parse(FromBase64Url(parts[1]));
            var claims = payload.RootElement;
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var valid = claims.GetProperty("application_id").GetString() == _applicationId &&
                claims.GetProperty("jti").GetString() is { Length: > 0 } &&
                claims.GetProperty("iat").GetInt64() <= now + 60 &&
                claims.GetProperty("exp").GetInt64() > now;
            return valid ? claims.Clone() : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static byte[] FromBase64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }

    /// <summary>Vonage's error shape (RFC 7807): a type, a title and a detail.</summary>
    private static async Task ErrorAsync(HttpContext context, int status, string title)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await context.Response.WriteAsync(
            $$$"""{"type":"https://developer.nexmo.com/api-errors","title":"{{{title}}}","detail":"{{{ErrorDetail}}}"}""",
            Encoding.UTF8,
            context.RequestAborted);
    }
}
