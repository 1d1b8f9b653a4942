using Microsoft.Extensions.Time.Testing;
using VoiceServer.Conversation;

namespace VoiceServer.Core.Tests.Conversation;

public sealed class TranscriptTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
    private readonly Transcript _transcript;

    public TranscriptTests()
    {
        _transcript = new Transcript(_time);
    }

    [Fact]
    public void Turns_KeepTheOrderTheyBeganIn_WhateverOrderTheTextArrivesIn()
    {
        _transcript.OnCallerTurn("item_u1");
        _time.Advance(TimeSpan.FromSeconds(1));
        _transcript.OnAgentAudio("item_a1", 8000);
        _transcript.OnAgentTextDone("item_a1", "We open at nine.");
        // The caller's transcription completes after the reply has started.
        _transcript.OnCallerText("item_u1", "When do you open?");

        Assert.Equal([(Speaker.Caller, "When do you open?"), (Speaker.Agent, "We open at nine.")], _transcript.RecentTurns(1000));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromSeconds(1), _transcript.Turns[0].StartedAt);
        Assert.Equal(_time.GetUtcNow(), _transcript.Turns[1].StartedAt);
    }

    [Fact]
    public void AgentText_StreamedDeltas_UntilTheWholeTranscriptReplacesThem()
    {
        _transcript.OnAgentTextDelta("item_a1", "Let me "u8);
        _transcript.OnAgentTextDelta("item_a1", "check caf\u00e9"u8);
        Assert.Equal("Let me check café", _transcript.Turns[0].Text);

        _transcript.OnAgentTextDone("item_a1", "Let me check the café.");
        _transcript.OnAgentTextDelta("item_a1", " late"u8);
        Assert.Equal("Let me check the café.", _transcript.Turns[0].Text);
    }

    [Fact]
    public void Truncation_CutsTheAgentTurnToTheWordsHeard_AndMarksItInterrupted()
    {
        // 2,000 ms of audio, 1,000 ms heard: about half of the words.
        _transcript.OnAgentAudio("item_a1", 16_000);
        _transcript.OnAgentTextDone("item_a1", "Our opening hours are nine to five on weekdays");
        _transcript.OnAgentTruncated("item_a1", 1000);

        var turn = _transcript.Turns[0];
        Assert.True(turn.Interrupted);
        Assert.Equal("Our opening hours are", turn.Text);
    }

    [Fact]
    public void Truncation_AtZero_LeavesNothingHeard()
    {
        _transcript.OnAgentAudio("item_a1", 800);
        _transcript.OnAgentTextDone("item_a1", "Hello there");
        _transcript.OnAgentTruncated("item_a1", 0);

        Assert.Equal(string.Empty, _transcript.Turns[0].Text);
        Assert.Empty(_transcript.RecentTurns(1000));
    }

    [Fact]
    public void RecentTurns_KeepTheLatestThatFit_AndSkipTurnsWithoutText()
    {
        _transcript.OnCallerTurn("item_u1");
        _transcript.OnCallerText("item_u1", "first question");
        _transcript.OnAgentTextDone("item_a1", "first answer");
        _transcript.OnCallerTurn("item_u2"); // transcription never arrived
        _transcript.OnAgentTextDone("item_a2", "second answer");

        Assert.Equal([(Speaker.Agent, "first answer"), (Speaker.Agent, "second answer")], _transcript.RecentTurns(30));
        Assert.Equal(3, _transcript.RecentTurns(1000).Count);
    }

    [Fact]
    public void LastTurnItemIds_CountOnlyTurnsWithText_OldestFirst()
    {
        _transcript.OnCallerTurn("item_u1");
        _transcript.OnCallerText("item_u1", "first question");
        _transcript.OnAgentTextDone("item_a1", "first answer");
        _transcript.OnCallerTurn("item_u2"); // transcription never arrived: no turn to count
        _transcript.OnAgentTextDone("item_a2", "second answer");

        Assert.Equal(["item_a1", "item_a2"], _transcript.LastTurnItemIds(2));
        Assert.Equal(["item_u1", "item_a1", "item_a2"], _transcript.LastTurnItemIds(50));
        Assert.Empty(_transcript.LastTurnItemIds(0));
    }
}
