namespace VoiceServer.Commands;

/// <summary>Constant names and HTTP statuses of <see cref="CallCommandOutcome"/>, the same on both sides.</summary>
public static class CallCommandOutcomes
{
    public static string ToName(this CallCommandOutcome outcome) => outcome switch
    {
        CallCommandOutcome.Done => "done",
        CallCommandOutcome.Accepted => "accepted",
        CallCommandOutcome.NotFound => "not_found",
        CallCommandOutcome.Conflict => "conflict",
        CallCommandOutcome.Failed => "failed",
        CallCommandOutcome.Invalid => "invalid",
        _ => "refused",
    };

    public static bool TryParse(string? name, out CallCommandOutcome outcome)
    {
        foreach (var candidate in Enum.GetValues<CallCommandOutcome>())
        {
            if (candidate.ToName() == name)
            {
                outcome = candidate;
                return true;
            }
        }

        outcome = CallCommandOutcome.Refused;
        return false;
    }

    public static int HttpStatus(this CallCommandOutcome outcome) => outcome switch
    {
        CallCommandOutcome.Done => 200,
        CallCommandOutcome.Accepted => 202,
        CallCommandOutcome.NotFound => 404,
        CallCommandOutcome.Conflict => 409,
        CallCommandOutcome.Failed => 502,
        CallCommandOutcome.Invalid => 400,
        _ => 401,
    };
}
