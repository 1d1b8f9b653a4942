using VoiceServer.Commands;

namespace VoiceServer.Calls;

/// <summary>
/// Outbound calls placed with answering-machine detection (docs/agents.md#answering-machines): the agent stays silent,
/// and the model hears nothing of the line, until Twilio's verdict arrives through the main app (an
/// <c>answered_by</c> command), so it never talks over a voicemail greeting. A person (or <c>unknown</c>) gets the
/// normal conversation, the agent speaking first. A machine gets the agent's voicemail policy: a hang-up through the
/// telephony API, or the message said once after the beep, with nothing from the line reaching the model (the
/// recording's noise cannot barge in), then the end of the call once it has played.
/// </summary>
public sealed partial class CallSession
{
    private const string PersonAnsweredInstructions =
        "A person has just answered this call, which you placed. Start the conversation now, briefly, as your instructions say.";

    // The cap on a voicemail message grows with it: at 10 characters a second (voices speak about 15), 1,000
    // characters are 100 s, where an ordinary goodbye's cap would cut it off.
    private static readonly TimeSpan s_voicemailTimePerCharacter = TimeSpan.FromMilliseconds(100);

    private ITimer? _verdictTimer;
    private bool _awaitingVerdict;
    private bool _leavingVoicemail;

    // A verdict (or its timeout) asked for the conversation while the model session was being replaced: the next
    // session opens it, once, as soon as audio flows again.
    private bool _conversationDue;

    /// <summary>Under _gate: the line is not the model's to hear, before the verdict and while a voicemail message is left.</summary>
    private bool HoldsCallerAudio => _awaitingVerdict || _leavingVoicemail;

    /// <summary>
    /// Applies Twilio's verdict (checked by the receiver) to a call that awaits one: <c>human</c>, <c>unknown</c> and
    /// <c>machine_start</c> start the conversation; a machine whose greeting has ended gets the voicemail policy; a
    /// fax is hung up on whatever the policy, as there is nobody to leave a message for.
    /// </summary>
    public async Task<CallCommandResult> AnsweredByAsync(string answeredBy, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_end.Task.IsCompleted)
            {
                return new CallCommandResult(CallCommandOutcome.NotFound, "the call has ended");
            }

            if (_model?.Configuration.Voicemail is not { } voicemail)
            {
                return new CallCommandResult(CallCommandOutcome.Conflict, "this call does not await an answering-machine verdict");
            }

            if (!_awaitingVerdict)
            {
                return new CallCommandResult(CallCommandOutcome.Conflict, "this call is no longer waiting for its answering-machine verdict");
            }

            if (_operatorCommand is not null || _goodbye.IsUnderWay)
            {
                return new CallCommandResult(CallCommandOutcome.Conflict, "the call is ending");
            }

            _awaitingVerdict = false;
            _verdictTimer?.Dispose();
            _record.AnsweredBy = answeredBy;
            var machine = AnsweredBy.IsMachineAtMessageEnd(answeredBy) || answeredBy == AnsweredBy.Fax;
            if (!machine && !_audioFlowing)
            {
                // The model session is being replaced. Refused, the verdict would be lost (the main app retries only
                // a call not found) and the person left in silence: the new session opens the conversation instead.
                _conversationDue = true;
                Log.AnsweredBy(_logger, answeredBy, "the agent starts the conversation once its model session is replaced");
                return new CallCommandResult(CallCommandOutcome.Accepted, "the agent starts the conversation once its model session is replaced");
            }

            if (!machine)
            {
                Log.AnsweredBy(_logger, answeredBy, "the agent starts the conversation");
                StartConversation();
                return new CallCommandResult(CallCommandOutcome.Accepted, "the agent starts the conversation");
            }

            // From here on the line is never heard: neither the recording's beep nor its silence may answer the agent.
            _leavingVoicemail = true;
            if (voicemail is { Policy: VoicemailSettings.LeaveMessage, Message: { } message } && answeredBy != AnsweredBy.Fax)
            {
                // During a replacement the message waits, as any goodbye, for the new session: asked of it once audio
                // flows, its cap counted from then.
                Log.AnsweredBy(_logger, answeredBy, "the agent leaves its voicemail message");
                BeginGoodbye(
                    CallEndReason.VoicemailLeft,
                    $"voicemail message left ({answeredBy})",
                    $"An answering machine took this call and is recording now. Leave this voicemail message: say it once, exactly as written, word for word, and nothing else: \"{message}\"",
                    _options.GoodbyeTimeout + (s_voicemailTimePerCharacter * message.Length));
                return new CallCommandResult(CallCommandOutcome.Accepted, "the agent is leaving the voicemail message");
            }

            Log.AnsweredBy(_logger, answeredBy, "hanging up");
        }

        var request = new CallControlRequest(CallEndReason.MachineHungUp, $"answered by {answeredBy}: hung up", Number: null);
        return await HangUpThroughCallControlAsync(request, byOperator: false, cancellationToken);
    }

    // Called under _gate when the call is ready: the agent does not greet, and the audio heard so far stays unheard.
    private void AwaitVerdict()
    {
        _awaitingVerdict = true;
        _pendingAudio.Release();
        _verdictTimer = _time.CreateTimer(static state => ((CallSession)state!).OnVerdictTimedOut(), this, _options.AnsweringMachineVerdictTimeout, Timeout.InfiniteTimeSpan);
    }

    // Called under _gate: the greeting, or an opening of the agent's own, since the person has said hello already.
    private void StartConversation() => RequestResponse(ConversationOpening(_model!.Configuration));

    private static string ConversationOpening(CallConfiguration configuration) =>
        configuration.Greeting is { } greeting
            ? $"The call has just connected. Greet the caller by saying: \"{greeting}\""
            : PersonAnsweredInstructions;

    /// <summary>
    /// Called under _gate as a new model session takes over, before the buffered audio goes to it (so server VAD
    /// cannot answer first, as at the start of a call): the conversation's opening, when a verdict asked for it meanwhile.
    /// </summary>
    private string? TakeDueOpening(CallConfiguration configuration) => TakeDueConversation() ? ConversationOpening(configuration) : null;

    // Called under _gate when a failed recycle keeps the old session: it opens the conversation a verdict asked for meanwhile.
    private void StartConversationIfDue()
    {
        if (TakeDueConversation())
        {
            StartConversation();
        }
    }

    /// <summary>
    /// Called under _gate once audio may flow again: whether the conversation a verdict asked for meanwhile is to be
    /// opened now. Not when the call began ending meanwhile (its time limit passed during the replacement): a greeting
    /// would invite an answer there is no time for, and leave the goodbye less of its cap; the goodbye alone is said.
    /// </summary>
    private bool TakeDueConversation()
    {
        if (!_conversationDue)
        {
            return false;
        }

        _conversationDue = false;
        if (_goodbye.IsUnderWay || _operatorCommand is not null)
        {
            Log.AnsweredBy(_logger, _record.AnsweredBy ?? AnsweredBy.Unknown, "the call began ending before the agent could start the conversation: only its goodbye is said");
            return false;
        }

        return true;
    }

    /// <summary>A verdict lost on its way must not leave a person in silence: the call goes on as for <c>unknown</c>.</summary>
    private void OnVerdictTimedOut()
    {
        lock (_gate)
        {
            if (!_awaitingVerdict || _end.Task.IsCompleted)
            {
                return;
            }

            _awaitingVerdict = false;
            Log.AnsweredByMissing(_logger, (int)_options.AnsweringMachineVerdictTimeout.TotalSeconds);
            if (_audioFlowing)
            {
                StartConversation();
            }
            else
            {
                // The model session is being replaced: the new one opens the conversation.
                _conversationDue = true;
            }
        }
    }
}
