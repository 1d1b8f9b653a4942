using VoiceServer.Commands;

namespace VoiceServer.Core.Tests.Commands;

public sealed class CallCommandRulesTests
{
    private static CallCommand Command(string action, string? to = null, string? text = null, string id = "0123456789abcdef0123", string callSid = "CA0123456789abcdef0123456789abcdef") =>
        new(id, callSid, action, 1_700_000_000, to, text);

    [Fact]
    public void WellFormedCommands_Pass()
    {
        Assert.Null(CallCommandRules.Check(Command(CallCommandActions.HangUp)));
        Assert.Null(CallCommandRules.Check(Command(CallCommandActions.Transfer, to: "+15557654321")));
        Assert.Null(CallCommandRules.Check(Command(CallCommandActions.Say, text: new string('a', CallCommandRules.MaxTextLength))));
        Assert.Null(CallCommandRules.Check(Command(CallCommandActions.HangUp, callSid: "v3:abc_DEF-123.x")));
    }

    [Theory]
    [InlineData("transfer", "+1555</Number>", null, "to")]
    [InlineData("transfer", null, null, "to")]
    [InlineData("say", null, "", "text")]
    [InlineData("say", null, " ", "text")]
    [InlineData("say", null, "two\nlines", "text")]
    [InlineData("HANGUP", null, null, "action")]
    public void MalformedCommands_NameTheField(string action, string? to, string? text, string field)
    {
        Assert.Equal(field, CallCommandRules.Check(Command(action, to, text))?.Field);
    }

    [Fact]
    public void OversizedText_IdsAndCallSids_Refused()
    {
        Assert.Equal("text", CallCommandRules.Check(Command(CallCommandActions.Say, text: new string('a', CallCommandRules.MaxTextLength + 1)))?.Field);
        Assert.Equal("id", CallCommandRules.Check(Command(CallCommandActions.HangUp, id: "short"))?.Field);
        Assert.Equal("id", CallCommandRules.Check(Command(CallCommandActions.HangUp, id: "0123456789abcdef0123*"))?.Field);
        Assert.Equal("callSid", CallCommandRules.Check(Command(CallCommandActions.HangUp, callSid: "CA*"))?.Field);
        Assert.Equal("callSid", CallCommandRules.Check(Command(CallCommandActions.HangUp, callSid: new string('C', 129)))?.Field);
    }

    [Theory]
    [InlineData("voice-server:command-replies:0123abc", true)]
    [InlineData("voice-server:command-replies:", false)]
    [InlineData("voice-server:command-replies:*", false)]
    [InlineData("voice-server:call:CA1", false)]
    [InlineData("other:0123", false)]
    public void ReplyChannels_OnlyThePrefixAndAPlainId(string channel, bool valid)
    {
        Assert.Equal(valid, CallCommandChannels.IsValidReplyChannel(channel));
    }
}
