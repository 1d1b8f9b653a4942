using System.Diagnostics.CodeAnalysis;
using VoiceServer.Calls;
using VoiceServer.MainApp.Analysis;
using VoiceServer.Commands;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Security;
using VoiceServer.MainApp.Twilio;

namespace VoiceServer.MainApp.Agents;

/// <summary>
/// The admin REST API (<c>X-Api-Key: ADMIN_API_KEY</c>): agents (create or replace, read, delete) and the numbers that
/// reach them. Values are checked with the voice server's own rules, so a saved agent is one it accepts; an error
/// names the field.
/// </summary>
internal static class AdminApi
{
    public static void MapAdminApi(this WebApplication app)
    {
        // The key is a requirement of every endpoint in the group, checked by the authorization middleware after
        // routing has chosen the endpoint and before anything else runs (body binding included).
        var admin = app.MapGroup("/api")
            .RequireAuthorization(AdminApiKeyAuthentication.PolicyName)
            .WithRequestBodyLimit(RequestLimits.AdminBodyBytes);
        admin.MapGet("/agents", ListAsync);
        admin.MapGet("/agents/{id}", GetAsync);
        admin.MapPut("/agents/{id}", PutAsync);
        admin.MapDelete("/agents/{id}", DeleteAsync);
        admin.MapPut("/numbers/{number}", AssignNumberAsync);
        admin.MapDelete("/numbers/{number}", RemoveNumberAsync);
        admin.MapGet("/calls", Calls.CallEvents.ListAsync);
        admin.MapCallAnalysis();
    }

    private const int MaxConfigurationCharacters = 40_000;

    private static bool IsXmlText(string text)
    {
        try
        {
            System.Xml.XmlConvert.VerifyXmlChars(text);
            return true;
        }
        catch (System.Xml.XmlException)
        {
            return false;
        }
    }

    private static async Task<IResult> ListAsync(AgentStore store, CancellationToken cancellationToken)
    {
        var views = new List<AgentView>();
        foreach (var agent in await store.ListAsync(cancellationToken))
        {
            views.Add(await ViewAsync(store, agent, cancellationToken));
        }

        return Results.Json(views, MainAppJsonContext.Default.ListAgentView);
    }

    private static async Task<IResult> GetAsync(string id, AgentStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } agent
            ? Results.Json(await ViewAsync(store, agent, cancellationToken), MainAppJsonContext.Default.AgentView)
            : Error(StatusCodes.Status404NotFound, "not_found", $"No agent {id}.");

    private static async Task<IResult> PutAsync(string id, AgentInput input, AgentStore store, KeyProtector keys, StreamTwiml twiml, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(id, cancellationToken);
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Length > 200)
        {
            return Invalid("name", "name is required (1-200 characters).");
        }

        var voice = input.Voice ?? existing?.Voice ?? CallParameters.DefaultVoice;
        var values = new Dictionary<string, string> { [CallParameters.AgentId] = id, [CallParameters.Voice] = voice };
        AddIfSet(values, CallParameters.Prompt, input.Prompt);
        AddIfSet(values, CallParameters.Greeting, input.Greeting);
        AddIfSet(values, CallParameters.Tools, input.Tools);
        AddIfSet(values, CallParameters.Temperature, input.Temperature?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!CallParameters.TryValidatePresent(values, out var error))
        {
            return Invalid(error.Field == CallParameters.AgentId ? "id" : error.Field, error.Message);
        }

        foreach (var (field, text) in new[] { ("id", id), ("name", input.Name), ("prompt", input.Prompt), ("greeting", input.Greeting), ("tools", input.Tools) })
        {
            if (text is not null && !IsXmlText(text))
            {
                return Invalid(field, $"{field} holds characters that cannot travel in TwiML (control characters or a broken surrogate pair).");
            }
        }

        // Twilio takes at most 64 KB of TwiML, and the voice server joins at most 128 parts of a value.
        var twimlLength = (input.Prompt?.Length ?? 0) + (input.Tools?.Length ?? 0) + (input.Greeting?.Length ?? 0);
        if (twimlLength > MaxConfigurationCharacters)
        {
            return Invalid(LongestOf(input), $"prompt, tools and greeting together must stay under {MaxConfigurationCharacters} characters to fit in Twilio's TwiML.");
        }

        string? encryptedKey;
        if (input.OpenAIKey is null)
        {
            encryptedKey = existing?.OpenAIKeyEncrypted;
        }
        else if (input.OpenAIKey.Length == 0)
        {
            encryptedKey = null;
        }
        else if (!keys.IsConfigured)
        {
            return Invalid("openAIKey", "openAIKey needs ENCRYPTION_KEY on the main app: keys are stored encrypted, or not at all.");
        }
        else if (!CallParameters.TryValidatePresent(new Dictionary<string, string> { [CallParameters.OpenAIKey] = input.OpenAIKey }, out _))
        {
            return Invalid("openAIKey", "openAIKey is malformed.");
        }
        else
        {
            encryptedKey = keys.Protect(input.OpenAIKey);
        }

        if (!TryReadOutbound(input, existing?.Outbound ?? AgentOutbound.Default, out var outbound, out var outboundError))
        {
            return outboundError;
        }

        // The analysis plan: omitted keeps the stored one, {} removes it.
        var analysisPlan = existing?.AnalysisPlan;
        if (input.Analysis is { } analysisInput)
        {
            if (!AnalysisPlanRules.TryValidate(analysisInput, out var plan, out var analysisField, out var analysisError))
            {
                return Invalid(analysisField, analysisError);
            }

            analysisPlan = plan?.ToJson();
        }

        var (handoffs, handoffsError) = await ReadHandoffsAsync(id, input.Handoffs, existing?.Handoffs ?? [], store, cancellationToken);
        if (handoffsError is not null)
        {
            return handoffsError;
        }

        var agent = new Agent(id, input.Name, input.Prompt, voice, input.Temperature, input.Greeting, input.Tools, encryptedKey, input.Enabled ?? existing?.Enabled ?? true, outbound, default, default, handoffs,
            RecordCalls: input.Record ?? existing?.RecordCalls ?? false, AnalysisPlan: analysisPlan);
        if (!twiml.Fits(agent, out var tooLong))
        {
            return Invalid(LongestOf(input), tooLong);
        }

        var saved = await store.UpsertAsync(agent, cancellationToken);
        var view = await ViewAsync(store, saved, cancellationToken);
        return existing is null
            ? Results.Json(view, MainAppJsonContext.Default.AgentView, statusCode: StatusCodes.Status201Created)
            : Results.Json(view, MainAppJsonContext.Default.AgentView);
    }

    private static async Task<IResult> DeleteAsync(string id, AgentStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, cancellationToken) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, "not_found", $"No agent {id}.");

    private static async Task<IResult> AssignNumberAsync(string number, NumberInput input, AgentStore store, CancellationToken cancellationToken)
    {
        if (!CallParameters.IsE164(number))
        {
            return Invalid("number", "number must be E.164, e.g. +15551234567.");
        }

        if (string.IsNullOrEmpty(input.AgentId) || await store.GetAsync(input.AgentId, cancellationToken) is null)
        {
            return Invalid("agentId", "agentId must name an existing agent.");
        }

        PhoneProvider? provider = PhoneProvider.Twilio;
        if (input.Provider is not null && !PhoneProviderNames.TryParse(input.Provider, out provider))
        {
            return Invalid("provider", $"provider must be {PhoneProviderNames.Twilio}, {PhoneProviderNames.Telnyx}, {PhoneProviderNames.Plivo} or {PhoneProviderNames.Vonage}.");
        }

        await store.AssignNumberAsync(number, input.AgentId, provider.Value, cancellationToken);
        return Results.NoContent();
    }

    private static async Task<IResult> RemoveNumberAsync(string number, AgentStore store, CancellationToken cancellationToken) =>
        await store.RemoveNumberAsync(number, cancellationToken) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, "not_found", $"No number {number}.");

    private static async Task<AgentView> ViewAsync(AgentStore store, Agent agent, CancellationToken cancellationToken)
    {
        var numbers = await store.PhoneNumbersOfAsync(agent.Id, cancellationToken);
        return new(agent.Id, agent.Name, agent.Prompt, agent.Voice, agent.Temperature, agent.Greeting, agent.Tools, agent.OpenAIKeyEncrypted is not null, agent.Enabled,
            [.. numbers.Select(static phone => phone.Number)], [.. numbers.Select(static phone => new PhoneNumberView(phone.Number, phone.Provider.Name()))], agent.CreatedAt, agent.UpdatedAt,
            agent.Outbound.VoicemailPolicy, agent.Outbound.VoicemailMessage, agent.Outbound.CallsPerMinute, agent.Outbound.MaxConcurrentCalls, agent.RecordCalls,
            AnalysisPlan.FromJson(agent.AnalysisPlan), agent.Handoffs);
    }

    /// <summary>
    /// The outbound settings: each omitted one kept from <paramref name="current"/>. A voicemail message follows the
    /// rules of an operator's <c>say</c>, since it reaches the call the same way; <c>leave_message</c> needs one.
    /// </summary>
    private static bool TryReadOutbound(AgentInput input, AgentOutbound current, out AgentOutbound outbound, [NotNullWhen(false)] out IResult? error)
    {
        outbound = current;
        error = null;
        var policy = input.VoicemailPolicy ?? current.VoicemailPolicy;
        var message = input.VoicemailMessage is null ? current.VoicemailMessage : input.VoicemailMessage.Length == 0 ? null : input.VoicemailMessage;
        var perMinute = input.OutboundCallsPerMinute ?? current.CallsPerMinute;
        var concurrent = input.OutboundMaxConcurrent ?? current.MaxConcurrentCalls;
        if (!AgentOutbound.IsKnownPolicy(policy))
        {
            error = Invalid("voicemailPolicy", $"voicemailPolicy must be {AgentOutbound.HangUp} or {AgentOutbound.LeaveMessage}.");
        }
        else if (message is not null && !CallCommandRules.IsValidText(message))
        {
            error = Invalid("voicemailMessage", $"voicemailMessage must be 1-{CallCommandRules.MaxTextLength} characters, without control characters.");
        }
        else if (policy == AgentOutbound.LeaveMessage && message is null)
        {
            error = Invalid("voicemailMessage", $"voicemailPolicy {AgentOutbound.LeaveMessage} needs a voicemailMessage: what the agent says after the beep.");
        }
        else if (perMinute is < 1 or > AgentOutbound.MaxCallsPerMinute)
        {
            error = Invalid("outboundCallsPerMinute", $"outboundCallsPerMinute must be 1-{AgentOutbound.MaxCallsPerMinute}.");
        }
        else if (concurrent is < 1 or > AgentOutbound.MaxMaxConcurrentCalls)
        {
            error = Invalid("outboundMaxConcurrent", $"outboundMaxConcurrent must be 1-{AgentOutbound.MaxMaxConcurrentCalls}.");
        }
        else
        {
            outbound = new AgentOutbound(policy, message, perMinute, concurrent);
        }

        return error is null;
    }

    /// <summary>
    /// The agents <paramref name="id"/> may hand a call to: omitted keeps <paramref name="current"/>. Each names another
    /// existing agent, once, with a description (the model's cue) and what the next agent is told. A destination deleted
    /// later is refused at handoff time, as an unknown one.
    /// </summary>
    private static async Task<(IReadOnlyList<AgentHandoff> Handoffs, IResult? Error)> ReadHandoffsAsync(
        string id, IReadOnlyList<HandoffInput>? input, IReadOnlyList<AgentHandoff> current, AgentStore store, CancellationToken cancellationToken)
    {
        if (input is null)
        {
            return (current, null);
        }

        if (input.Count > AgentHandoff.MaxHandoffs)
        {
            return ([], Invalid("handoffs", $"handoffs may list at most {AgentHandoff.MaxHandoffs} agents."));
        }

        var handoffs = new List<AgentHandoff>();
        for (var index = 0; index < input.Count; index++)
        {
            var entry = input[index];
            var at = $"handoffs[{index}]";
            if (entry is null || string.IsNullOrWhiteSpace(entry.AgentId))
            {
                return ([], Invalid($"{at}.agentId", $"{at}.agentId is required: the agent the call is handed to."));
            }

            if (entry.AgentId == id)
            {
                return ([], Invalid($"{at}.agentId", $"{at}.agentId names this agent: an agent cannot hand a call to itself."));
            }

            if (handoffs.Any(handoff => handoff.AgentId == entry.AgentId))
            {
                return ([], Invalid($"{at}.agentId", $"{at}.agentId {entry.AgentId} is listed twice."));
            }

            if (await store.GetAsync(entry.AgentId, cancellationToken) is null)
            {
                return ([], Invalid($"{at}.agentId", $"{at}.agentId must name an existing agent."));
            }

            if (entry.Description is not { } description || description.Trim().Length == 0 || description.Length > AgentHandoff.MaxDescriptionLength || description.Any(char.IsControl))
            {
                return ([], Invalid($"{at}.description", $"{at}.description must be 1-{AgentHandoff.MaxDescriptionLength} characters, without control characters: it tells the model when to hand over."));
            }

            var context = entry.Context ?? AgentHandoff.FullContext;
            if (!AgentHandoff.IsKnownContext(context))
            {
                return ([], Invalid($"{at}.context", $"{at}.context must be {AgentHandoff.FullContext}, {AgentHandoff.LastTurnsContext} or {AgentHandoff.SummaryContext}."));
            }

            if (context == AgentHandoff.LastTurnsContext
                ? entry.LastTurns is not (>= 1 and <= AgentHandoff.MaxLastTurns)
                : entry.LastTurns is not null)
            {
                return ([], Invalid($"{at}.lastTurns", $"{at}.lastTurns is 1-{AgentHandoff.MaxLastTurns} with context {AgentHandoff.LastTurnsContext}, and only with it."));
            }

            handoffs.Add(new AgentHandoff(entry.AgentId, description, context, entry.LastTurns));
        }

        return (handoffs, null);
    }

    private static void AddIfSet(Dictionary<string, string> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values[name] = value;
        }
    }

    /// <summary>The field to name when the configuration is too long: the longer of prompt and tools.</summary>
    private static string LongestOf(AgentInput input) => (input.Prompt?.Length ?? 0) >= (input.Tools?.Length ?? 0) ? "prompt" : "tools";

    public static IResult Invalid(string field, string message) =>
        Results.Json(new ErrorBody("invalid_field", message, field), MainAppJsonContext.Default.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    public static IResult Error(int status, string error, string message) =>
        Results.Json(new ErrorBody(error, message), MainAppJsonContext.Default.ErrorBody, statusCode: status);
}
