using System.Text.Json;

namespace VoiceServer.Handoffs;

/// <summary>
/// Reads the <c>handoffs</c> parameter: <c>[{"agentId","description"}]</c>, the ids and descriptions only. The
/// destinations' prompts, tools and keys do not travel with the first agent: a handful of them would not fit in
/// Twilio's TwiML (each <c>&lt;Parameter&gt;</c> under 500 characters, the document under 64 KB), and they are
/// fetched, signed, when the model hands over.
/// </summary>
public static class HandoffList
{
    /// <summary>The main app's own bound: one tool's enum stays a short, clear choice.</summary>
    public const int MaxDestinations = 8;

    /// <summary>A sentence or two per destination.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>As for any agent id.</summary>
    public const int MaxAgentIdLength = 128;

    /// <summary>The destinations in <paramref name="json"/>, or null with the problem when it is not that list.</summary>
    public static IReadOnlyList<HandoffDestination>? Parse(string json, out string? problem)
    {
        problem = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            problem = "handoffs must be a JSON array of {agentId, description}.";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() is 0 or > MaxDestinations)
            {
                problem = $"handoffs must be a JSON array of 1-{MaxDestinations} destinations.";
                return null;
            }

            var destinations = new List<HandoffDestination>();
            var index = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var at = $"handoffs[{index++}]";
                var agentId = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("agentId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : null;
                if (agentId is null || agentId.Length > MaxAgentIdLength || string.IsNullOrWhiteSpace(agentId) || agentId.Any(char.IsControl))
                {
                    problem = $"{at}.agentId must be 1-{MaxAgentIdLength} characters.";
                    return null;
                }

                if (destinations.Any(destination => destination.AgentId == agentId))
                {
                    problem = $"{at}.agentId is listed twice.";
                    return null;
                }

                var description = entry.TryGetProperty("description", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : null;
                if (description is null || description.Length is 0 or > MaxDescriptionLength)
                {
                    problem = $"{at}.description must be 1-{MaxDescriptionLength} characters.";
                    return null;
                }

                destinations.Add(new HandoffDestination(agentId, description));
            }

            return destinations;
        }
    }
}
