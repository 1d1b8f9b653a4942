using VoiceServer.MainApp.Agents;
using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// <c>POST /api/calls/{callId}/analysis</c> (admin): queues a call's analysis again, from its first attempt, with the
/// agent's current plan: for one stored as an error (after an outage longer than the retries, or a plan fixed since),
/// or to analyse a completed one again.
/// </summary>
internal static class AnalysisEndpoints
{
    public static void MapCallAnalysis(this RouteGroupBuilder admin) =>
        admin.MapPost("/calls/{callId}/analysis", RequeueAsync).WithRequestBodyLimit(RequestLimits.DefaultBodyBytes);

    private static async Task<IResult> RequeueAsync(string callId, AnalysisStore store, AnalysisSignal signal, CancellationToken cancellationToken)
    {
        // A callId is the voice server's own id; anything far from one is refused before the database sees it.
        if (callId.Length is 0 or > 128 || !callId.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            return Results.Json(new ErrorBody("invalid_field", "callId must be 1-128 letters, digits, '-', '_', '.' or ':'.", "callId"), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);
        }

        var (outcome, queued) = await store.RequeueAsync(callId, cancellationToken);
        switch (outcome)
        {
            case RequeueOutcome.NoRecord:
                return AdminApi.Error(StatusCodes.Status404NotFound, "not_found", $"No call record {callId}.");
            case RequeueOutcome.NoPlan:
                return AdminApi.Error(StatusCodes.Status409Conflict, "no_analysis_plan", "The call's agent has no analysis plan (PUT /api/agents/{id} with analysis).");
            case RequeueOutcome.AlreadyPending:
                return AdminApi.Error(StatusCodes.Status409Conflict, "analysis_pending", "The call's analysis is already queued.");
            default:
                signal.Notify();
                return Results.Json(AnalysisView.From(queued!), MainAppJsonContext.Default.AnalysisView, statusCode: StatusCodes.Status202Accepted);
        }
    }
}
