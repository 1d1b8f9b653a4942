using Microsoft.Extensions.Options;
using VoiceServer.Calls;
using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Analysis;
using VoiceServer.MainApp.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Handoffs;
using VoiceServer.MainApp.LiveCalls;
using VoiceServer.MainApp.Outbound;
using VoiceServer.MainApp.Plivo;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Security;
using VoiceServer.MainApp.Telnyx;
using VoiceServer.MainApp.Twilio;
using VoiceServer.MainApp.Vonage;
using VoiceServer.MainApp.Webhooks;
using VoiceServer.Plivo;
using VoiceServer.Redis;
using VoiceServer.Telnyx;
using VoiceServer.Vonage;

namespace VoiceServer.MainApp.Hosting;

/// <summary>The main app's table of contents: what it adds and maps. Tests build the same app.</summary>
internal static partial class MainAppApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls($"http://+:{builder.Configuration["PORT"] ?? "8081"}");
        }

        // Endpoints that take bodies raise this for themselves (RequestLimits); everything else stays small.
        builder.WebHost.ConfigureKestrel(static kestrel => kestrel.Limits.MaxRequestBodySize = RequestLimits.DefaultBodyBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(static json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, MainAppJsonContext.Default));
        builder.Services.AddOptions<MainAppOptions>().Configure<IConfiguration>(static (options, configuration) =>
        {
            if (Text(configuration, "VOICE_SERVER_URL") is { } voiceServer)
            {
                options.VoiceServerUrl = AbsoluteUrl("VOICE_SERVER_URL", voiceServer, "ws", "wss");
            }

            options.PublicUrl = Text(configuration, "PUBLIC_URL") is { } publicUrl ? AbsoluteUrl("PUBLIC_URL", publicUrl, "http", "https") : null;
            options.TwilioAuthToken = Text(configuration, "TWILIO_AUTH_TOKEN");
            options.TwilioAccountSid = Text(configuration, "TWILIO_ACCOUNT_SID");
            options.TwilioApiBaseUrl = Text(configuration, "TWILIO_API_BASE_URL") is { } apiBase ? AbsoluteUrl("TWILIO_API_BASE_URL", apiBase, "http", "https") : null;
            if (Text(configuration, "TWILIO_CALLER_ID") is { } callerId)
            {
                options.TwilioCallerId = CallParameters.IsE164(callerId)
                    ? callerId
                    : throw new OptionsValidationException("TWILIO_CALLER_ID", typeof(MainAppOptions), ["TWILIO_CALLER_ID must be an E.164 number, e.g. +15557001234."]);
            }

            options.AdminApiKey = Text(configuration, "ADMIN_API_KEY");
            options.TelnyxPublicKey = Text(configuration, "TELNYX_PUBLIC_KEY") is { } telnyxKey && !IsTelnyxPublicKey(telnyxKey)
                ? throw new OptionsValidationException("TELNYX_PUBLIC_KEY", typeof(MainAppOptions), ["TELNYX_PUBLIC_KEY must be the account's Ed25519 public key as the Telnyx portal shows it: base64 of 32 bytes."])
                : Text(configuration, "TELNYX_PUBLIC_KEY");
            options.TelnyxApiKey = Text(configuration, "TELNYX_API_KEY");
            options.TelnyxApiBaseUrl = Text(configuration, "TELNYX_API_BASE_URL") is { } telnyxApi ? AbsoluteUrl("TELNYX_API_BASE_URL", telnyxApi, "http", "https") : null;
            if (Text(configuration, "TELNYX_RECORDING_ORIGINS") is { } origins)
            {
                options.TelnyxRecordingOrigins = [.. origins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(static origin => Origin("TELNYX_RECORDING_ORIGINS", origin))];
            }

            options.PlivoAuthToken = Text(configuration, "PLIVO_AUTH_TOKEN");
            options.PlivoAuthId = Text(configuration, "PLIVO_AUTH_ID") is { } plivoAuthId && !PlivoRecordingsApi.IsAuthId(plivoAuthId)
                ? throw new OptionsValidationException("PLIVO_AUTH_ID", typeof(MainAppOptions), ["PLIVO_AUTH_ID must be the Auth ID as Plivo's console shows it (letters and digits)."])
                : Text(configuration, "PLIVO_AUTH_ID");
            options.PlivoApiBaseUrl = Text(configuration, "PLIVO_API_BASE_URL") is { } plivoApi ? AbsoluteUrl("PLIVO_API_BASE_URL", plivoApi, "http", "https") : null;
            options.PlivoMediaBaseUrl = Text(configuration, "PLIVO_MEDIA_BASE_URL") is { } plivoMedia ? AbsoluteUrl("PLIVO_MEDIA_BASE_URL", plivoMedia, "http", "https") : null;
            options.VonageSignatureSecret = Text(configuration, "VONAGE_SIGNATURE_SECRET");
            options.VonageApplicationId = Text(configuration, "VONAGE_APPLICATION_ID");
            // A PEM in one environment variable often has its line breaks written as \n.
            options.VonagePrivateKey = Text(configuration, "VONAGE_PRIVATE_KEY")?.Replace("\\n", "\n", StringComparison.Ordinal);
            CheckVonageApplication(options.VonageApplicationId, options.VonagePrivateKey);
            if (Text(configuration, "VONAGE_RECORDING_ORIGINS") is { } vonageOrigins)
            {
                options.VonageRecordingOrigins = [.. vonageOrigins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(static origin => Origin("VONAGE_RECORDING_ORIGINS", origin))];
            }

            if (Text(configuration, "CALLER_PROVIDERS") is { } providers)
            {
                options.CallerProviders = ParseProviders(providers);
            }

            options.CallEventsSigningKey = Text(configuration, "CALL_EVENTS_SIGNING_KEY");
            options.ConfigSigningKey = Text(configuration, "CONFIG_SIGNING_KEY");
            if (Text(configuration, "REDIS_URL") is { } redisUrl)
            {
                options.Redis = RedisUrl.TryParse(redisUrl, out var redis, out var problem)
                    ? redis
                    : throw new OptionsValidationException("REDIS_URL", typeof(MainAppOptions), [problem]);
            }

            if (Text(configuration, "ALLOW_UNAUTHENTICATED") is { } allow)
            {
                options.AllowUnauthenticated = bool.TryParse(allow, out var allowed)
                    ? allowed
                    : throw new OptionsValidationException("ALLOW_UNAUTHENTICATED", typeof(MainAppOptions), ["ALLOW_UNAUTHENTICATED must be true or false."]);
            }
            if (Text(configuration, "ENCRYPTION_KEY") is { } encryptionKey)
            {
                options.EncryptionKey = Convert.TryFromBase64String(encryptionKey, new byte[32], out var written) && written == 32
                    ? Convert.FromBase64String(encryptionKey)
                    : throw new OptionsValidationException("ENCRYPTION_KEY", typeof(MainAppOptions), ["ENCRYPTION_KEY must be 32 bytes, base64 (openssl rand -base64 32)."]);
            }
        }).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MainAppOptions>, MainAppOptionsValidator>();
        builder.Services.AddOptions<DatabaseOptions>().Configure<IConfiguration>(static (options, configuration) =>
        {
            options.Kind = (Text(configuration, "DATABASE_PROVIDER")?.ToUpperInvariant()) switch
            {
                null or "SQLITE" => DatabaseKind.Sqlite,
                "POSTGRES" or "POSTGRESQL" => DatabaseKind.Postgres,
                var other => throw new OptionsValidationException("DATABASE_PROVIDER", typeof(DatabaseOptions), [$"DATABASE_PROVIDER must be sqlite or postgres, not '{other}'."]),
            };
            options.ConnectionString = Text(configuration, "DATABASE_URL") ?? options.ConnectionString;
        });
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<AgentStore>();
        builder.Services.AddSingleton<KeyProtector>();
        builder.Services.AddSingleton<AgentCallConfiguration>();
        builder.Services.AddSingleton<ReplayGuard>();
        builder.Services.AddSingleton<StreamTwiml>();
        builder.Services.AddAdminApiKeyAuthentication();
        builder.Services.AddLiveCallApi();
        builder.Services.AddOutboundCalls();
        builder.Services.AddCallRecordings();
        builder.Services.AddCallAnalysis();
        builder.AddTracing();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseJsonErrors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/health", static (TimeProvider time) => Results.Json(new HealthBody("healthy", "main-app", time.GetUtcNow()), MainAppJsonContext.Default.HealthBody));
        app.MapVoiceWebhook();
        app.MapTelnyxVoiceWebhook();
        app.MapPlivoVoiceWebhook();
        app.MapVonageWebhooks();
        app.MapCallEvents();
        app.MapAdminApi();
        app.MapLiveCallApi();
        app.MapOutboundCalls();
        app.MapCallRecordings();
        app.MapHandoffs();
        return app;
    }

    /// <summary>Checks the settings (a missing secret stops the app here), applies the database migrations, then runs.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        var options = app.Services.GetRequiredService<IOptions<MainAppOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceServer.MainApp");
        // Only reachable with ALLOW_UNAUTHENTICATED=true (MainAppOptionsValidator); said loudly, with what it exposes.
        if (options.TwilioAuthToken is null && options.Serves(PhoneProvider.Twilio))
        {
            Log.WebhookUnauthenticated(logger);
        }

        if (options.CallEventsSigningKey is null)
        {
            Log.RecordsUnsigned(logger);
        }

        // Each served provider's webhooks need its secret (MainAppOptionsValidator), unless ALLOW_UNAUTHENTICATED=true
        // opens them unsigned, which is said here for each; Twilio's has its own warning above.
        var served = new List<string>();
        foreach (var provider in Enum.GetValues<PhoneProvider>().Where(options.Serves))
        {
            served.Add(provider.ToString());
            if (provider != PhoneProvider.Twilio && options.SecretOf(provider) is null)
            {
                Log.ProviderWebhookUnauthenticated(logger, provider.ToString(), MainAppOptions.SecretName(provider));
            }
        }

        Log.ProvidersServed(logger, string.Join(", ", served));

        await app.Services.GetRequiredService<Database>().MigrateAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
    }

    /// <summary><c>CALLER_PROVIDERS</c>: comma-separated provider names, any case; an unknown one stops the app.</summary>
    private static HashSet<PhoneProvider> ParseProviders(string list)
    {
        var providers = new HashSet<PhoneProvider>();
        foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            providers.Add(PhoneProviderNames.TryParse(name.ToLowerInvariant(), out var provider)
                ? provider.Value
                : throw new OptionsValidationException("CALLER_PROVIDERS", typeof(MainAppOptions), [$"CALLER_PROVIDERS names '{name}': it takes twilio, telnyx, plivo and vonage, comma-separated."]));
        }

        return providers.Count > 0
            ? providers
            : throw new OptionsValidationException("CALLER_PROVIDERS", typeof(MainAppOptions), ["CALLER_PROVIDERS names no provider: list at least one of twilio, telnyx, plivo and vonage."]);
    }

    private static bool IsTelnyxPublicKey(string key)
    {
        try
        {
            _ = new TelnyxWebhookSignatureValidator(key, TimeProvider.System);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string? Text(IConfiguration configuration, string name) =>
        string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name]!.Trim();

    private static Uri AbsoluteUrl(string name, string value, params string[] schemes) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && schemes.Contains(url.Scheme)
            ? url
            : throw new OptionsValidationException(name, typeof(MainAppOptions), [$"{name} must be an absolute {string.Join(" or ", schemes)} URL."]);

    /// <summary>Both Vonage application settings or neither, each as Vonage issues it; a refusal names the setting, never the key.</summary>
    private static void CheckVonageApplication(string? applicationId, string? privateKey)
    {
        if ((applicationId is null) != (privateKey is null))
        {
            throw new OptionsValidationException("VONAGE_APPLICATION_ID", typeof(MainAppOptions), ["VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY go together: both for Vonage calls' recordings, or neither."]);
        }

        if (applicationId is null || privateKey is null)
        {
            return;
        }

        try
        {
            new VonageApplicationToken(applicationId, privateKey).Dispose();
        }
        catch (ArgumentException ex)
        {
            var setting = ex.ParamName == "applicationId" ? "VONAGE_APPLICATION_ID" : "VONAGE_PRIVATE_KEY";
            var problem = setting == "VONAGE_APPLICATION_ID"
                ? "VONAGE_APPLICATION_ID must be the application's id as the Vonage dashboard shows it (a UUID)."
                : "VONAGE_PRIVATE_KEY must be the application's RSA private key in PEM form.";
            throw new OptionsValidationException(setting, typeof(MainAppOptions), [problem]);
        }
    }

    /// <summary>An origin alone (http or https, a host, perhaps a port): no user, path, query or fragment to confuse a comparison.</summary>
    private static Uri Origin(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.UserInfo.Length == 0 &&
        url.AbsoluteUri == url.GetLeftPart(UriPartial.Authority) + "/"
            ? url
            : throw new OptionsValidationException(name, typeof(MainAppOptions), [$"{name} must be a comma-separated list of origins, e.g. https://s3.amazonaws.com."]);

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "ALLOW_UNAUTHENTICATED=true and TWILIO_AUTH_TOKEN is not set: POST /api/twilio/voice answers anyone, and its TwiML shows the agent of any number it is given (prompt, greeting, tool URLs; agents' own keys stay out). Development only: never expose this app like this.")]
        public static partial void WebhookUnauthenticated(ILogger logger);

        [LoggerMessage(31, LogLevel.Warning, "ALLOW_UNAUTHENTICATED=true and CALL_EVENTS_SIGNING_KEY is not set: POST /api/calls/events stores unsigned call records from anyone, forged ones included. Development only: never expose this app like this.")]
        public static partial void RecordsUnsigned(ILogger logger);

        [LoggerMessage(32, LogLevel.Warning, "ALLOW_UNAUTHENTICATED=true and {Secret} is not set: the {Provider} voice webhook answers anyone, and its answer shows the agent of any number registered for {Provider} (prompt, greeting, tool URLs; agents' own keys stay out). Development only: never expose this app like this.")]
        public static partial void ProviderWebhookUnauthenticated(ILogger logger, string provider, string secret);

        [LoggerMessage(33, LogLevel.Information, "Voice webhooks served: {Providers}. Any other provider's webhooks answer 404 provider_not_served (CALLER_PROVIDERS, or its secret, says which are served).")]
        public static partial void ProvidersServed(ILogger logger, string providers);
    }
}
