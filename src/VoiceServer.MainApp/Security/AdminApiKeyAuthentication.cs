using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;
using VoiceServer.Secrets;

namespace VoiceServer.MainApp.Security;

/// <summary>
/// The admin API's authentication scheme: <c>X-Api-Key</c> compared in constant time with <c>ADMIN_API_KEY</c>.
/// The admin endpoints require it through their metadata (<see cref="PolicyName"/>), not through a check on the
/// request path: whatever spelling routing accepts for an admin route (any case, a trailing slash, an escaped letter)
/// reaches the endpoint, so it meets the requirement too. Without <c>ADMIN_API_KEY</c> no request authenticates.
/// </summary>
internal sealed class AdminApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, UrlEncoder encoder, IOptions<MainAppOptions> options)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    public const string SchemeName = "AdminApiKey";
    public const string PolicyName = "Admin";
    public const string HeaderName = "X-Api-Key";

    private static readonly Task<AuthenticateResult> s_noKey = Task.FromResult(AuthenticateResult.NoResult());

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = options.Value.AdminApiKey;
        if (expected is null || !Request.Headers.TryGetValue(HeaderName, out var presented))
        {
            return s_noKey;
        }

        if (!SharedSecret.Matches(presented.ToString(), expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("X-Api-Key does not match ADMIN_API_KEY."));
        }

        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin")], SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(admin, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AdminApi.Error(StatusCodes.Status401Unauthorized, "unauthorized", "X-Api-Key is missing or wrong (ADMIN_API_KEY).").ExecuteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AdminApi.Error(StatusCodes.Status403Forbidden, "forbidden", "This key may not do that.").ExecuteAsync(Context);
}
