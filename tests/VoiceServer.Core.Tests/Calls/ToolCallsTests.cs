using System.Text.Json;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class ToolCallsTests
{
    private readonly ToolCalls _tools = new();

    private static CallConfiguration Configuration(params ToolDefinition[] tools) => new()
    {
        AgentId = "agent",
        ApiKey = "sk-test",
        ApiKeyFromCall = false,
        Voice = "alloy",
        Tools = tools,
        TransferNumbers = ["+15550100"],
    };

    private static readonly ToolDefinition Lookup = new("lookup", "Looks something up.", JsonDocument.Parse("""{"type":"object"}""").RootElement, new Uri("https://tools.example/lookup"));

    [Fact]
    public void Route_UnknownTool_Refused()
    {
        var action = ToolCalls.Route(Configuration(), "nope", "{}", ending: false, webhooksAvailable: true);
        Assert.Equal(ToolCallKind.Refused, action.Kind);
        Assert.Contains("there is no tool named nope", action.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_WhileEnding_Refused()
    {
        var action = ToolCalls.Route(Configuration(Lookup), "lookup", "{}", ending: true, webhooksAvailable: true);
        Assert.Equal(ToolCallKind.Refused, action.Kind);
        Assert.Contains("the call is ending", action.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_EndCall_HangsUp()
    {
        var action = ToolCalls.Route(Configuration(BuiltInTools.EndCall), ToolDefinition.EndCall, "{}", ending: false, webhooksAvailable: false);
        Assert.Equal(ToolCallKind.HangUp, action.Kind);
        Assert.Equal("""{"status":"ending"}""", action.Output);
    }

    [Theory]
    [InlineData("""{"number":"+15550100"}""", true)]
    [InlineData("""{"number":"+15550199"}""", false)]
    [InlineData("""{"number":"5550100"}""", false)]
    [InlineData("""{"number":""", false)]
    [InlineData("""[]""", false)]
    public void Route_Transfer_OnlyToAnAllowedNumber(string arguments, bool allowed)
    {
        var kind = allowed ? ToolCallKind.Transfer : ToolCallKind.Refused;
        var action = ToolCalls.Route(Configuration(BuiltInTools.TransferCall(["+15550100"])), ToolDefinition.TransferCall, arguments, ending: false, webhooksAvailable: false);
        Assert.Equal(kind, action.Kind);
        Assert.Equal(kind == ToolCallKind.Transfer ? "+15550100" : null, action.Number);
    }

    [Fact]
    public void Route_Webhook_RunsOnlyWhereToolsAreAvailable()
    {
        Assert.Equal(ToolCallKind.Webhook, ToolCalls.Route(Configuration(Lookup), "lookup", "{}", ending: false, webhooksAvailable: true).Kind);
        Assert.Equal(ToolCallKind.Refused, ToolCalls.Route(Configuration(Lookup), "lookup", "{}", ending: false, webhooksAvailable: false).Kind);
    }

    [Fact]
    public void Webhooks_OneFollowUpOnceTheResponseIsDoneAndEveryOutputIsIn()
    {
        _tools.OnCall("resp_1");
        _tools.OnWebhookStarted("resp_1");
        _tools.OnCall("resp_1");
        _tools.OnWebhookStarted("resp_1");
        Assert.False(_tools.IsIdle);

        Assert.False(_tools.OnOutputSent("resp_1"));
        Assert.False(_tools.OnResponseDone("resp_1"));
        Assert.True(_tools.OnOutputSent("resp_1"));

        Assert.True(_tools.IsIdle);
        Assert.False(_tools.IsWaitingFor("resp_1"));
        Assert.False(_tools.OnOutputSent("resp_1"));
    }

    [Fact]
    public void ImmediateOutputWithoutResponse_NoFollowUp()
    {
        _tools.OnCall("resp_1");
        _tools.OnImmediateOutput("resp_1", wantsResponse: false);

        Assert.False(_tools.OnResponseDone("resp_1"));
        Assert.True(_tools.IsIdle);
    }

    [Fact]
    public void ImmediateOutput_FollowUpAtResponseDone()
    {
        _tools.OnCall("resp_1");
        _tools.OnImmediateOutput("resp_1", wantsResponse: true);

        Assert.True(_tools.OnResponseDone("resp_1"));
    }

    [Fact]
    public void Reset_AWebhookOfTheOldSessionNoLongerHoldsAnythingBack()
    {
        _tools.OnCall("resp_1");
        _tools.OnWebhookStarted("resp_1");
        Assert.False(_tools.IsIdle);

        _tools.Reset();

        Assert.True(_tools.IsIdle);
        Assert.False(_tools.IsWaitingFor("resp_1"));
        Assert.False(_tools.OnOutputSent("resp_1"));
    }

    [Fact]
    public void ResponseWithoutToolCalls_NoFollowUp() => Assert.False(_tools.OnResponseDone("resp_9"));
}
