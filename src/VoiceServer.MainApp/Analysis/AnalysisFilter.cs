using System.Diagnostics.CodeAnalysis;

namespace VoiceServer.MainApp.Analysis;

/// <summary>
/// <c>GET /api/calls?analysis=</c>: calls whose analysis <see cref="Passed"/> or <see cref="Failed"/> the agent's success
/// rubric, is still <see cref="Pending"/>, or could not be made (<see cref="Error"/>: given up, with the reason).
/// </summary>
internal enum AnalysisFilter
{
    Passed,
    Failed,
    Pending,
    Error,
}

internal static class AnalysisFilterNames
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out AnalysisFilter? filter)
    {
        filter = text switch
        {
            "passed" => AnalysisFilter.Passed,
            "failed" => AnalysisFilter.Failed,
            "pending" => AnalysisFilter.Pending,
            "error" => AnalysisFilter.Error,
            _ => null,
        };
        return filter is not null;
    }
}
