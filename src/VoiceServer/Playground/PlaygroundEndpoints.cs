using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VoiceServer.Configuration;
using VoiceServer.Endpoints;
using VoiceServer.Hosting;
using VoiceServer.Security;

namespace VoiceServer.Playground;

/// <summary>
/// The browser playground: the page and its scripts under <c>/playground/</c>, and the live view, a channel of its
/// own beside the Twilio protocol (docs/playground.md). The page places calls on the media socket like Twilio does;
/// everything it needs beyond that protocol comes from here. Mapped only when the playground is enabled.
/// </summary>
internal static partial class PlaygroundEndpoints
{
    public const string PagePath = "/playground";
    public const string CallsRoute = "/api/playground/calls";
    public const string CorsPolicy = "playground";

    // The page loads nothing from elsewhere; it talks to this server over fetch, EventSource and WebSocket.
    private const string ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

    public static void AddPlayground(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LiveViewHub>();
        // Cross-origin use (the embeddable script on a dashboard) is for the ALLOWED_ORIGINS list only.
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<VoiceServerOptions>>(static (cors, voice) => cors.AddPolicy(CorsPolicy, policy =>
            {
                var origins = voice.Value.AllowedOrigins;
                if (origins.Contains("*"))
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    policy.WithOrigins([.. origins.Select(static origin => origin.TrimEnd('/'))]);
                }

                policy.WithMethods("GET", "POST").WithHeaders(HeaderNames.Authorization, HeaderNames.ContentType);
            }));
    }

    public static void MapPlayground(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<VoiceServerOptions>>().Value.IsPlaygroundEnabled)
        {
            return;
        }

        app.UseWhen(
            static context => context.Request.Path.StartsWithSegments(PagePath),
            static branch =>
            {
                // The page's relative script URLs need the trailing slash.
                branch.Use(static (context, next) =>
                {
                    if (context.Request.Path.Value is PagePath)
                    {
                        context.Response.Redirect(PagePath + "/");
                        return Task.CompletedTask;
                    }

                    return next(context);
                });
                branch.UseCors(CorsPolicy);
                branch.UseDefaultFiles(new DefaultFilesOptions { RequestPath = PagePath, FileProvider = Assets });
                branch.UseStaticFiles(new StaticFileOptions
                {
                    RequestPath = PagePath,
                    FileProvider = Assets,
                    OnPrepareResponse = static file =>
                    {
                        file.Context.Response.Headers.CacheControl = "no-cache";
                        file.Context.Response.Headers.XContentTypeOptions = "nosniff";
                        if (file.File.Name.EndsWith(".html", StringComparison.Ordinal))
                        {
                            file.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                        }
                    },
                });
            });

        var calls = app.MapGroup(CallsRoute).RequireCors(CorsPolicy);
        calls.MapPost("/", CreateCall);
        calls.MapGet("/{liveViewId}/events", ReadEvents);
    }

    /// <summary>The page's assets, compiled into the server so a published build serves them from anywhere.</summary>
    private static readonly EmbeddedFileProvider Assets = new(Assembly.GetExecutingAssembly(), "VoiceServer.Playground.wwwroot");

    private static IResult CreateCall(
        HttpContext context,
        LiveViewHub hub,
        OriginPolicy originPolicy,
        FailedUpgradeLimiter failures,
        CallDrain drain,
        IOptions<VoiceServerOptions> options,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger(typeof(PlaygroundEndpoints));
        var client = failures.ClientOf(context);
        if (failures.IsBlocked(client))
        {
            return Error(StatusCodes.Status429TooManyRequests, "too_many_failures", "Too many refused requests from this client; wait a minute.");
        }

        if (!originPolicy.IsAllowed(context.Request))
        {
            Log.OriginRefused(logger, context.Request.Headers.Origin.ToString());
            failures.RecordFailure(client);
            return Error(StatusCodes.Status403Forbidden, "origin_not_allowed", "This Origin is not in ALLOWED_ORIGINS.");
        }

        if (options.Value.PlaygroundAccessKey is { } accessKey && !BearerToken.IsPresented(context.Request, accessKey))
        {
            Log.AccessKeyRefused(logger);
            failures.RecordFailure(client);
            return Error(StatusCodes.Status401Unauthorized, "access_key_required", "This playground needs its access key (PLAYGROUND_ACCESS_KEY) as 'Authorization: Bearer <key>'.");
        }

        if (drain.IsDraining)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "draining", "This instance is shutting down; try another.");
        }

        if (!hub.TryCreate(out var view))
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "at_capacity", "This instance has as many live views as MAX_CONCURRENT_CALLS; try later.");
        }

        return TypedResults.Json(
            new PlaygroundCallTicket(view.Id, MediaStreamEndpoints.Route, (int)LiveViewHub.Lifetime.TotalSeconds),
            PlaygroundJsonContext.Default.PlaygroundCallTicket);
    }

    private static IResult ReadEvents(string liveViewId, HttpContext context, LiveViewHub hub, OriginPolicy originPolicy)
    {
        if (!originPolicy.IsAllowed(context.Request))
        {
            return Error(StatusCodes.Status403Forbidden, "origin_not_allowed", "This Origin is not in ALLOWED_ORIGINS.");
        }

        if (!hub.TryOpen(liveViewId, out var view))
        {
            return Error(StatusCodes.Status404NotFound, "unknown_live_view", "No live view with this id, or another page is already reading it.");
        }

        return TypedResults.ServerSentEvents(view.ReadAllAsync(context.RequestAborted));
    }

    private static JsonHttpResult<ErrorResponse> Error(int statusCode, string error, string message) =>
        TypedResults.Json(new ErrorResponse(error, message), HostJsonContext.Default.ErrorResponse, statusCode: statusCode);

    private static partial class Log
    {
        [LoggerMessage(800, LogLevel.Warning, "Playground call refused: Origin {Origin} is not allowed.")]
        public static partial void OriginRefused(ILogger logger, string origin);

        [LoggerMessage(801, LogLevel.Warning, "Playground call refused: missing or wrong access key.")]
        public static partial void AccessKeyRefused(ILogger logger);
    }
}
