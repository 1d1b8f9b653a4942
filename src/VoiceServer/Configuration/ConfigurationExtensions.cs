using System.Globalization;
using Microsoft.Extensions.Options;
using VoiceServer.CallRecords;
using VoiceServer.Calls;
using VoiceServer.OpenAI;
using VoiceServer.Outbound;
using VoiceServer.Redis;
using VoiceServer.Security;
using VoiceServer.Twilio;

namespace VoiceServer.Configuration;

/// <summary>Binds the flat environment-variable names to options, validated at start-up: a bad setting stops the boot.</summary>
internal static class ConfigurationExtensions
{
    public static void AddVoiceServerOptions(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<VoiceServerOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.AllowedOrigins = (configuration["ALLOWED_ORIGINS"] ?? string.Empty)
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                options.OpenAIApiKey = NullIfEmpty(configuration["OPENAI_API_KEY"]);
                options.ServerKeyModels = (configuration["OPENAI_REALTIME_MODELS"] ?? string.Empty)
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                options.AllowUnauthenticated = ReadBool(configuration, "ALLOW_UNAUTHENTICATED");
                options.CallerProviders = NullIfEmpty(configuration["CALLER_PROVIDERS"]) is { } providers
                    ? [.. providers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static name => name.ToLowerInvariant()).Distinct()]
                    : CallerProviderKeys.All;
                options.MaxMessageBytes = ReadInt(configuration, "MEDIA_STREAM_MAX_MESSAGE_BYTES", options.MaxMessageBytes);
                options.MaxMessagesPerSecond = ReadInt(configuration, "MEDIA_STREAM_MAX_MESSAGES_PER_SECOND", options.MaxMessagesPerSecond);
                options.StartTimeoutSeconds = ReadInt(configuration, "CALL_START_TIMEOUT_SECONDS", options.StartTimeoutSeconds);
                options.SessionSetupTimeoutSeconds = ReadInt(configuration, "MODEL_SESSION_TIMEOUT_SECONDS", options.SessionSetupTimeoutSeconds);
                options.DrainTimeoutSeconds = ReadInt(configuration, "DRAIN_TIMEOUT", options.DrainTimeoutSeconds);
                options.MaxConcurrentCalls = ReadInt(configuration, "MAX_CONCURRENT_CALLS", options.MaxConcurrentCalls);
                options.MaxCallDurationSeconds = ReadInt(configuration, "MAX_CALL_DURATION", options.MaxCallDurationSeconds);
                options.LocalEmulator = ReadBool(configuration, "VOICE_SERVER_LOCAL_EMULATOR");
                options.PlaygroundEnabled = NullIfEmpty(configuration["PLAYGROUND_ENABLED"]) is null ? null : ReadBool(configuration, "PLAYGROUND_ENABLED");
                options.PlaygroundAccessKey = NullIfEmpty(configuration["PLAYGROUND_ACCESS_KEY"]);
                options.TwilioAuthToken = NullIfEmpty(configuration["TWILIO_AUTH_TOKEN"]);
                options.PublicBaseUrl = NullIfEmpty(configuration["PUBLIC_BASE_URL"]);
                options.ConfigSigningKey = NullIfEmpty(configuration["CONFIG_SIGNING_KEY"]);
                options.FailedUpgradesPerMinute = ReadInt(configuration, "FAILED_UPGRADES_PER_MINUTE", options.FailedUpgradesPerMinute);
                options.ClientIpHeader = NullIfEmpty(configuration["CLIENT_IP_HEADER"]);
                options.TwilioAccountSid = NullIfEmpty(configuration["TWILIO_ACCOUNT_SID"]);
                options.TwilioApiBaseUrl = NullIfEmpty(configuration["TWILIO_API_BASE_URL"]) is { } apiBase
                    ? Uri.TryCreate(apiBase, UriKind.Absolute, out var apiBaseUri) && apiBaseUri.Scheme is "http" or "https"
                        ? apiBaseUri
                        : throw new OptionsValidationException("TWILIO_API_BASE_URL", typeof(VoiceServerOptions), ["TWILIO_API_BASE_URL must be an absolute http(s) URL."])
                    : null;
                options.ToolTimeoutSeconds = ReadInt(configuration, "TOOL_TIMEOUT_SECONDS", options.ToolTimeoutSeconds);
                options.MaxHandoffsPerCall = ReadInt(configuration, "MAX_HANDOFFS_PER_CALL", options.MaxHandoffsPerCall);
                options.ModelMaxTrackedItems = ReadInt(configuration, "MODEL_MAX_TRACKED_ITEMS", options.ModelMaxTrackedItems);
                options.ToolSigningKey = NullIfEmpty(configuration["TOOL_SIGNING_KEY"]);
                options.MetricsBearerToken = NullIfEmpty(configuration["METRICS_BEARER_TOKEN"]);
                options.ModelReconnectTimeoutSeconds = ReadInt(configuration, "MODEL_RECONNECT_TIMEOUT_SECONDS", options.ModelReconnectTimeoutSeconds);
                options.ModelSessionMaxSeconds = NullIfEmpty(configuration["MODEL_SESSION_MAX_SECONDS"]) is null ? null : ReadInt(configuration, "MODEL_SESSION_MAX_SECONDS", 0);
                options.InputTranscriptionModel = NullIfEmpty(configuration["INPUT_TRANSCRIPTION_MODEL"]) switch
                {
                    null => options.InputTranscriptionModel,
                    var none when none.Equals("none", StringComparison.OrdinalIgnoreCase) => null,
                    var model => model,
                };
            })
            .Validate(
                static options => options.ConfigSigningKey is null || System.Text.Encoding.UTF8.GetByteCount(options.ConfigSigningKey) >= 32,
                "CONFIG_SIGNING_KEY must be at least 32 bytes (HS256).")
            .Validate(
                static options => options.CallerProviders.Count > 0 && options.CallerProviders.All(CallerProviderKeys.All.Contains),
                $"CALLER_PROVIDERS must be a comma-separated list of {string.Join(", ", CallerProviderKeys.All)}.")
            .Validate(
                static options => options.PlaygroundEnabled is not true || options.Serves(CallerProviderKeys.Twilio),
                "PLAYGROUND_ENABLED needs twilio in CALLER_PROVIDERS: the playground's calls speak Twilio's protocol on its path.")
            .Validate(
                static options => options.ServerKeyModels.All(static model => model.Length is > 0 and <= 128 && model.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')),
                "OPENAI_REALTIME_MODELS must be a comma-separated list of model names.")
            .Validate(
                static options => options.TwilioAuthToken is null ||
                    (Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var publicUrl) && publicUrl.Scheme == "wss" && publicUrl.AbsolutePath == "/" && string.IsNullOrEmpty(publicUrl.Query)),
                "TWILIO_AUTH_TOKEN needs PUBLIC_BASE_URL: the public wss:// origin of the TwiML's Stream URL, e.g. wss://voice-server.fly.dev (no path, no query).")
            .Validate(
                static options => !options.IsPlaygroundEnabled || options.TwilioAuthToken is null || options.PlaygroundAccessKey is not null,
                "PLAYGROUND_ENABLED with TWILIO_AUTH_TOKEN needs PLAYGROUND_ACCESS_KEY: browsers cannot sign, so playground calls are let in by a live view that only the access key opens.")
            .Validate(
                static options => options.PlaygroundAccessKey is null || options.PlaygroundAccessKey.Length >= 16,
                "PLAYGROUND_ACCESS_KEY must be at least 16 characters.")
            .Validate(
                static options => options.ToolSigningKey is null || System.Text.Encoding.UTF8.GetByteCount(options.ToolSigningKey) >= 32,
                "TOOL_SIGNING_KEY must be at least 32 bytes.")
            .Validate<IOptions<CallRecordOptions>>(
                static (options, records) => options.ToolSigningKey is null || !string.Equals(options.ToolSigningKey, records.Value.SigningKey, StringComparison.Ordinal),
                "TOOL_SIGNING_KEY must differ from CALL_EVENTS_SIGNING_KEY: a tool receiver must not be able to sign call records, nor the records' receiver tool calls.")
            .Validate(
                static options => options.MetricsBearerToken is null || options.MetricsBearerToken.Length >= 16,
                "METRICS_BEARER_TOKEN must be at least 16 characters.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<VoiceServerOptions>, VoiceServerOptionsValidator>();
        services.AddSingleton<IValidateOptions<VoiceServerOptions>, CallerProofValidator>();

        services.AddOptions<RealtimeOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                if (NullIfEmpty(configuration["OPENAI_REALTIME_URL"]) is { } url)
                {
                    options.Url = Uri.TryCreate(url, UriKind.Absolute, out var uri)
                        ? uri
                        : throw new OptionsValidationException("OPENAI_REALTIME_URL", typeof(RealtimeOptions), [$"OPENAI_REALTIME_URL is not an absolute URL: '{url}'."]);
                }

                options.Model = NullIfEmpty(configuration["OPENAI_REALTIME_MODEL"]) ?? options.Model;
                options.AuthHeader = (NullIfEmpty(configuration["OPENAI_AUTH_HEADER"])?.ToUpperInvariant()) switch
                {
                    null or "AUTO" => RealtimeAuthHeader.Auto,
                    "BEARER" or "AUTHORIZATION" => RealtimeAuthHeader.Bearer,
                    "API-KEY" or "APIKEY" => RealtimeAuthHeader.ApiKey,
                    var other => throw new OptionsValidationException("OPENAI_AUTH_HEADER", typeof(RealtimeOptions), [$"OPENAI_AUTH_HEADER must be auto, bearer or api-key, not '{other}'."]),
                };
            })
            .Validate(static options => options.Url.Scheme is "ws" or "wss", "OPENAI_REALTIME_URL must be a ws:// or wss:// URL.")
            .Validate(static options => options.Model.Length > 0 && options.Model.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'), "OPENAI_REALTIME_MODEL must be a model name.")
            .ValidateOnStart();

        services.AddOptions<CallRecordOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                if (NullIfEmpty(configuration["CALL_EVENTS_URL"]) is { } url)
                {
                    options.Url = Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri
                        : throw new OptionsValidationException("CALL_EVENTS_URL", typeof(CallRecordOptions), [$"CALL_EVENTS_URL must be an absolute http(s) URL."]);
                }

                options.SigningKey = NullIfEmpty(configuration["CALL_EVENTS_SIGNING_KEY"]);
                options.UndeliveredDirectory = NullIfEmpty(configuration["CALL_EVENTS_UNDELIVERED_DIR"]);
                options.MaxAttempts = ReadInt(configuration, "CALL_EVENTS_MAX_ATTEMPTS", options.MaxAttempts);
                options.RetryDelay = TimeSpan.FromMilliseconds(ReadInt(configuration, "CALL_EVENTS_RETRY_DELAY_MS", (int)options.RetryDelay.TotalMilliseconds));
                if (NullIfEmpty(configuration["MODEL_PRICES"]) is { } prices)
                {
                    try
                    {
                        options.Prices = ModelPriceTable.Parse(prices);
                    }
                    catch (System.Text.Json.JsonException ex)
                    {
                        throw new OptionsValidationException("MODEL_PRICES", typeof(CallRecordOptions), [$"MODEL_PRICES is not a valid price table: {ex.Message}"]);
                    }
                }
            })
            .Validate(static options => options.MaxAttempts is >= 1 and <= 20, "CALL_EVENTS_MAX_ATTEMPTS must be 1-20.")
            .Validate(static options => options.RetryDelay >= TimeSpan.Zero && options.RetryDelay <= TimeSpan.FromMinutes(1), "CALL_EVENTS_RETRY_DELAY_MS must be 0-60000.")
            .Validate(static options => options.SigningKey is null || System.Text.Encoding.UTF8.GetByteCount(options.SigningKey) >= 32, "CALL_EVENTS_SIGNING_KEY must be at least 32 bytes.")
            .Validate(static options => options.UndeliveredDirectory is null || Path.IsPathFullyQualified(options.UndeliveredDirectory), "CALL_EVENTS_UNDELIVERED_DIR must be an absolute path.")
            .ValidateOnStart();

        services.AddOptions<OutboundOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                options.AllowList = OutboundAllowList.TryParse(configuration["OUTBOUND_ALLOWED_HOSTS"], out var allowList, out var problem)
                    ? allowList
                    : throw new OptionsValidationException("OUTBOUND_ALLOWED_HOSTS", typeof(OutboundOptions), [$"OUTBOUND_ALLOWED_HOSTS: {problem}"]);
            })
            .ValidateOnStart();

        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value;
            return new CallResolutionRules
            {
                ServerApiKey = options.OpenAIApiKey,
                // The emulator costs nothing, so any model name may be tried against it.
                ServerKeyModels = options.LocalEmulator ? null : [provider.GetRequiredService<IOptions<RealtimeOptions>>().Value.Model, .. options.ServerKeyModels],
            };
        });
        services.AddOptions<TokenReplayOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
            {
                if (NullIfEmpty(configuration["REDIS_URL"]) is { } redisUrl)
                {
                    options.Redis = RedisUrl.TryParse(redisUrl, out var redis, out var problem)
                        ? redis
                        : throw new OptionsValidationException("REDIS_URL", typeof(TokenReplayOptions), [problem]);
                }
            })
            .ValidateOnStart();
        // Used token ids in Redis when REDIS_URL is set (shared by every instance), in this process otherwise.
        services.AddSingleton<ITokenReplayGuard>(static provider =>
            provider.GetRequiredService<IOptions<TokenReplayOptions>>().Value.Redis is { } redis
                ? new RedisTokenReplayGuard(redis, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<RedisTokenReplayGuard>>())
                : new InMemoryTokenReplayGuard(provider.GetRequiredService<TimeProvider>()));
        services.AddHostedService<TokenReplayGuardWarmUp>();
        services.AddSingleton<SignedCallConfiguration>();
        services.AddSingleton<FailedUpgradeLimiter>();
        services.AddSingleton<ICallConfigurationResolver>(static provider =>
            provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value switch
            {
                { ConfigSigningKey: not null } => provider.GetRequiredService<SignedCallConfiguration>(),
                _ => new PlainCallConfigurationResolver(
                    provider.GetRequiredService<CallResolutionRules>(),
                    provider.GetRequiredService<ILoggerFactory>().CreateLogger<PlainCallConfigurationResolver>()),
            });

        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value;
            return new UpgradeSignatureCheck(
                options.TwilioAuthToken is { } token ? new TwilioSignatureValidator(token, options.PublicBaseUrl!) : null);
        });

        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<VoiceServerOptions>>().Value;
            var sessionCap = options.ModelSessionMaxSeconds switch
            {
                null => RealtimeOptions.IsAzureEndpoint(provider.GetRequiredService<IRealtimeEndpoint>().Url) ? RealtimeOptions.AzureSessionCap : RealtimeOptions.OpenAISessionCap,
                0 => (TimeSpan?)null,
                var seconds => TimeSpan.FromSeconds(seconds.Value),
            };
            return new CallSessionOptions
            {
                StartTimeout = TimeSpan.FromSeconds(options.StartTimeoutSeconds),
                SessionSetupTimeout = TimeSpan.FromSeconds(options.SessionSetupTimeoutSeconds),
                MaxCallDuration = options.MaxCallDurationSeconds > 0 ? TimeSpan.FromSeconds(options.MaxCallDurationSeconds) : null,
                ReconnectTimeout = TimeSpan.FromSeconds(options.ModelReconnectTimeoutSeconds),
                ModelSessionCap = sessionCap,
                // Recycle from 10 minutes before the cap at a quiet moment, and by 2 minutes before it at the latest
                // (scaled down for short caps).
                RecycleLead = sessionCap is { } cap ? Min(TimeSpan.FromMinutes(10), cap / 3) : TimeSpan.Zero,
                RecycleDeadlineLead = sessionCap is { } capForDeadline ? Min(TimeSpan.FromMinutes(2), capForDeadline / 10) : TimeSpan.Zero,
                InputTranscriptionModel = options.InputTranscriptionModel,
                ToolTimeout = TimeSpan.FromSeconds(options.ToolTimeoutSeconds),
                MaxHandoffs = options.MaxHandoffsPerCall,
                MaxTrackedItems = options.ModelMaxTrackedItems,
            };
        });
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int ReadInt(IConfiguration configuration, string name, int fallback) =>
        NullIfEmpty(configuration[name]) is not { } text
            ? fallback
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new OptionsValidationException(name, typeof(VoiceServerOptions), [$"{name} must be an integer, not '{text}'."]);

    private static bool ReadBool(IConfiguration configuration, string name) =>
        NullIfEmpty(configuration[name]) is not { } text
            ? false
            : bool.TryParse(text, out var value)
                ? value
                : text is "1" || (text is "0" ? false : throw new OptionsValidationException(name, typeof(VoiceServerOptions), [$"{name} must be true or false, not '{text}'."]));
}
