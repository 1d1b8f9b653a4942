using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace VoiceServer.MainApp.Analysis;

/// <summary>Wiring of the post-call analysis: its settings, the queue, the model client and the background worker.</summary>
internal static class AnalysisServiceCollectionExtensions
{
    public static IServiceCollection AddCallAnalysis(this IServiceCollection services)
    {
        services.AddOptions<AnalysisOptions>().Configure<IConfiguration>(static (options, configuration) =>
        {
            options.Model = Text(configuration, "ANALYSIS_MODEL") is { } model
                ? model.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':') && model.Length <= 200
                    ? model
                    : throw Invalid("ANALYSIS_MODEL", "ANALYSIS_MODEL must be a model (or Azure deployment) name: letters, digits, '-', '.', '_', ':'.")
                : options.Model;
            options.BaseUrl = Text(configuration, "ANALYSIS_OPENAI_BASE_URL") is { } baseUrl ? HttpUrl("ANALYSIS_OPENAI_BASE_URL", baseUrl) : null;
            options.AzureEndpoint = Text(configuration, "ANALYSIS_AZURE_OPENAI_ENDPOINT") is { } azure ? HttpUrl("ANALYSIS_AZURE_OPENAI_ENDPOINT", azure) : null;
            if (options.BaseUrl is not null && options.AzureEndpoint is not null)
            {
                throw Invalid("ANALYSIS_AZURE_OPENAI_ENDPOINT", "Set ANALYSIS_OPENAI_BASE_URL or ANALYSIS_AZURE_OPENAI_ENDPOINT, not both.");
            }

            options.ApiKey = Text(configuration, "ANALYSIS_OPENAI_API_KEY");
            options.MaxAttempts = Number(configuration, "ANALYSIS_MAX_ATTEMPTS", 1, 100) ?? options.MaxAttempts;
            options.RetryDelay = Number(configuration, "ANALYSIS_RETRY_DELAY_SECONDS", 1, 86_400) is { } delay ? TimeSpan.FromSeconds(delay) : options.RetryDelay;
            options.MaxRetryDelay = Number(configuration, "ANALYSIS_RETRY_MAX_DELAY_SECONDS", 1, 7 * 86_400) is { } max ? TimeSpan.FromSeconds(max) : options.MaxRetryDelay;
            if (options.MaxRetryDelay < options.RetryDelay)
            {
                throw Invalid("ANALYSIS_RETRY_MAX_DELAY_SECONDS", "ANALYSIS_RETRY_MAX_DELAY_SECONDS must be at least ANALYSIS_RETRY_DELAY_SECONDS.");
            }
        }).ValidateOnStart();
        // The worker's clock is the app's unless a test gives it one of its own (virtual time for the backoff only).
        services.TryAddKeyedSingleton(AnalysisWorker.ClockKey, static (services, _) => services.GetRequiredService<TimeProvider>());
        services.AddSingleton<AnalysisStore>();
        services.AddSingleton<AnalysisSignal>();
        services.AddSingleton<CallAnalyzer>();
        services.AddHostedService<AnalysisWorker>();
        return services;
    }

    private static string? Text(IConfiguration configuration, string name) =>
        string.IsNullOrWhiteSpace(configuration[name]) ? null : configuration[name]!.Trim();

    private static int? Number(IConfiguration configuration, string name, int min, int max) =>
        Text(configuration, name) is not { } text
            ? null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw Invalid(name, $"{name} must be a whole number from {min} to {max}.");

    private static Uri HttpUrl(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw Invalid(name, $"{name} must be an absolute http or https URL.");

    private static OptionsValidationException Invalid(string name, string message) =>
        new(name, typeof(AnalysisOptions), [message]);
}
