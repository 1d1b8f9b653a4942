using System.Data.Common;
using Microsoft.AspNetCore.Http.Features;
using VoiceServer.MainApp.Agents;

namespace VoiceServer.MainApp.Hosting;

/// <summary>
/// Every refusal is a JSON error (<c>{"error":…,"message":…}</c>), including the ones the framework makes without a
/// body (a body over the endpoint's cap, JSON that does not bind, an unknown route), and input the framework cannot
/// read is a 4xx, never a 500: a body over the cap (413), broken framing (400), a form over its limits (400). A
/// database that fails a request (down, unreachable, a table gone) is a 503 <c>database_error</c>, which a provider
/// takes as a reason to retry or use its fallback URL, rather than a bare 500.
/// </summary>
internal static partial class JsonErrors
{
    public static void UseJsonErrors(this WebApplication app)
    {
        app.Use(RefuseUnreadableInputAsync);
        app.UseStatusCodePages(static context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode));
    }

    private static async Task RefuseUnreadableInputAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (StatusFor(ex) is { } status && !context.Response.HasStarted)
        {
            Log.InputRefused(Logger(context), status, ex.Message);
            context.Response.Clear();
            await WriteAsync(context, status);
        }
        catch (DbException ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // The exception's type only: a driver's message may quote the connection's settings.
            Log.DatabaseUnavailable(Logger(context), context.Request.Method, context.Request.Path, ex.GetType().Name);
            context.Response.Clear();
            await AdminApi.Error(StatusCodes.Status503ServiceUnavailable, "database_error", "The database could not complete this request; try again later.").ExecuteAsync(context);
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("VoiceServer.MainApp.JsonErrors");

    // BadHttpRequestException: Kestrel's own verdict on the body (413 over the cap, 400 for broken framing).
    // InvalidDataException: the form reader's limits (too many fields, a key or value too long).
    private static int? StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        InvalidDataException => StatusCodes.Status400BadRequest,
        _ => null,
    };

    private static Task WriteAsync(HttpContext context, int status) => (status switch
    {
        StatusCodes.Status400BadRequest => AdminApi.Error(status, "bad_request", "The request could not be read (malformed body or form, or a form over its limits)."),
        StatusCodes.Status404NotFound => AdminApi.Error(status, "not_found", "No such endpoint."),
        StatusCodes.Status405MethodNotAllowed => AdminApi.Error(status, "method_not_allowed", "This endpoint does not take that method."),
        StatusCodes.Status413PayloadTooLarge => AdminApi.Error(status, "payload_too_large", $"The body is larger than this endpoint accepts ({context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes)."),
        StatusCodes.Status415UnsupportedMediaType => AdminApi.Error(status, "unsupported_media_type", "This endpoint does not take that Content-Type."),
        _ => AdminApi.Error(status, "error", "The request was refused."),
    }).ExecuteAsync(context);

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Request refused with {Status}: {Reason}")]
        public static partial void InputRefused(ILogger logger, int status, string reason);

        [LoggerMessage(41, LogLevel.Error, "{Method} {Path} answered 503: the database failed ({Error}).")]
        public static partial void DatabaseUnavailable(ILogger logger, string method, string path, string error);
    }
}
