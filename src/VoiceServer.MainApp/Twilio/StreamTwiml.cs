using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Twilio.TwiML;
using Twilio.TwiML.Voice;
using VoiceServer.Calls;
using VoiceServer.MainApp.Data;
using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Twilio;

/// <summary>
/// The TwiML that sends a call to the voice server, built with the Twilio SDK (every value escaped):
/// <c>&lt;Connect&gt;&lt;Stream url="{VOICE_SERVER_URL}/api/twilio/media-stream"&gt;</c> with one <c>config</c> token
/// (with <c>CONFIG_SIGNING_KEY</c>: signed, bound to the CallSid, and encrypted, so Twilio's logs show neither the
/// agent's key nor its prompt) or, without it, the agent's configuration as plain <c>&lt;Parameter&gt;</c>s (never its
/// key), plus <c>From</c>, <c>To</c> and <c>CallSid</c>. A value too long for one parameter (name and value under 500
/// characters) is split over <c>name.0</c>, <c>name.1</c>, …. A call to be recorded gets Twilio's
/// <c>&lt;Start&gt;&lt;Recording&gt;</c> first (<see cref="Recordings.TwilioRecording"/>).
/// </summary>
internal sealed class StreamTwiml(IOptions<MainAppOptions> options, AgentCallConfiguration configuration)
{
    private const string Apology = "Sorry, this number is not in service right now. Goodbye.";

    private readonly MainAppOptions _options = options.Value;

    /// <summary>Twilio refuses TwiML over 64 KB; a little is kept in hand.</summary>
    public const int MaxTwimlCharacters = 64_000;

    /// <summary>
    /// The TwiML for a call; <paramref name="outbound"/>: one the app placed, with answering-machine detection;
    /// <paramref name="record"/>: Twilio records it from here (<c>&lt;Start&gt;&lt;Recording&gt;</c> first).
    /// </summary>
    public string Connect(Agent agent, string? from, string? to, string? callSid, bool outbound = false, bool record = false)
    {
        var stream = new global::Twilio.TwiML.Voice.Stream(url: new Uri(_options.VoiceServerUrl, "/api/twilio/media-stream").ToString());
        foreach (var (name, value) in Parameters(agent, from, to, callSid, outbound))
        {
            stream.Parameter(name: name, value: value);
        }

        var connect = new Connect();
        connect.Append(stream);
        var response = new VoiceResponse();
        if (record)
        {
            response.Append(Recordings.TwilioRecording.Start(_options));
        }

        return response.Append(connect).ToString();
    }

    /// <summary>
    /// Whether a call to <paramref name="agent"/> would reach the voice server whole: its TwiML within Twilio's size
    /// limit, and no value split into more parts than the voice server joins. Checked when the agent is saved, with
    /// the longest phone numbers and CallSid a call can bring, so a saved agent's calls never fail on size.
    /// </summary>
    public bool Fits(Agent agent, [NotNullWhen(false)] out string? problem)
    {
        const string LongestNumber = "+123456789012345";
        var callSid = "CA" + new string('0', 32);
        // Counted as a traced call, which carries a traceparent too: tracing may be turned on after the agent is saved.
        using var traced = new Activity("twiml.size").SetIdFormat(ActivityIdFormat.W3C);
        traced.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        traced.Start();
        // An outbound call's configuration is the larger: it carries the voicemail message too.
        var parts = Parameters(agent, LongestNumber, LongestNumber, callSid, outbound: true);
        var mostParts = parts.GroupBy(static part => part.Name.Split('.')[0]).Max(static group => group.Count());
        // An upper bound: an outbound call's configuration with an inbound call's recording verb (a call has one or the other).
        var twimlLength = Connect(agent, LongestNumber, LongestNumber, callSid, outbound: true, record: agent.RecordCalls).Length;
        problem = mostParts > CallParameters.MaxChunks || twimlLength > MaxTwimlCharacters
            ? $"prompt, tools and greeting together are too long to fit in Twilio's TwiML ({twimlLength} characters, at most {MaxTwimlCharacters}; a value in at most {CallParameters.MaxChunks} parts)."
            : null;
        return problem is null;
    }

    /// <summary>Every <c>&lt;Parameter&gt;</c> of the Stream, long values already split.</summary>
    private List<(string Name, string Value)> Parameters(Agent agent, string? from, string? to, string? callSid, bool outbound)
    {
        var values = configuration.ForCall(agent, callSid, awaitsVerdict: outbound);
        AddIfSet(values, "From", from);
        AddIfSet(values, "To", to);
        AddIfSet(values, "CallSid", callSid);
        return [.. values.SelectMany(static value => AgentCallConfiguration.Split(value.Name, value.Value))];
    }

    /// <summary>The guide's "Agent Not Found": a spoken apology, then the call ends.</summary>
    public static string NotInService() => new VoiceResponse().Say(Apology).Hangup().ToString();

    private static void AddIfSet(List<(string Name, string Value)> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values.Add((name, value));
        }
    }
}
