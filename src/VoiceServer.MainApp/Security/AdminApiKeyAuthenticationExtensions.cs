using Microsoft.AspNetCore.Authentication;

namespace VoiceServer.MainApp.Security;

internal static class AdminApiKeyAuthenticationExtensions
{
    /// <summary>The scheme and the policy the admin endpoints require; no default scheme, so other endpoints never look at the key.</summary>
    public static IServiceCollection AddAdminApiKeyAuthentication(this IServiceCollection services)
    {
        // The core services only: AddAuthentication would also bring data protection, which creates a key ring on disk
        // at start-up that nothing here uses (no cookies, no tokens issued).
        services.AddAuthenticationCore();
        services.AddWebEncoders();
        new AuthenticationBuilder(services).AddScheme<AuthenticationSchemeOptions, AdminApiKeyAuthentication>(AdminApiKeyAuthentication.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder().AddPolicy(
            AdminApiKeyAuthentication.PolicyName,
            static policy => policy.AddAuthenticationSchemes(AdminApiKeyAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }
}
