using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

/// <summary><c>voicemailPolicy</c> and <c>voicemailMessage</c>: checked like every parameter, and set only by a configuration bound to the call.</summary>
public sealed class VoicemailParametersTests
{
    private static readonly Dictionary<string, string> s_empty = [];
    private static readonly CallResolutionRules s_bound = new() { ServerApiKey = "sk-server", Trust = new CallTrust(SignedByOperator: true, BoundToCall: true) };

    private static Dictionary<string, string> Parameters(params (string Name, string Value)[] values)
    {
        var parameters = new Dictionary<string, string> { ["agentId"] = "reminders" };
        foreach (var (name, value) in values)
        {
            parameters[name] = value;
        }

        return parameters;
    }

    [Theory]
    [InlineData("hangup", null)]
    [InlineData("leave_message", "Your order is ready.")]
    public void BoundToTheCall_TheCallAwaitsAVerdict(string policy, string? message)
    {
        var parameters = Parameters(("voicemailPolicy", policy));
        if (message is not null)
        {
            parameters["voicemailMessage"] = message;
        }

        Assert.True(CallParameters.TryResolve(s_empty, parameters, s_bound, out var configuration, out _));

        Assert.Equal(new VoicemailSettings(policy, message), configuration.Voicemail);
        Assert.Empty(configuration.IgnoredParameters);
    }

    [Fact]
    public void WithoutIt_TheCallAwaitsNothing()
    {
        Assert.True(CallParameters.TryResolve(s_empty, Parameters(), s_bound, out var configuration, out _));
        Assert.Null(configuration.Voicemail);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void NotBoundToTheCall_Ignored_AndNamed(bool signedByOperator, bool bound)
    {
        var rules = s_bound with { Trust = new CallTrust(signedByOperator, bound) };

        Assert.True(CallParameters.TryResolve(s_empty, Parameters(("voicemailPolicy", "leave_message"), ("voicemailMessage", "Hello.")), rules, out var configuration, out _));

        Assert.Null(configuration.Voicemail);
        Assert.Equal(["voicemailPolicy", "voicemailMessage"], configuration.IgnoredParameters);
    }

    [Theory]
    [InlineData("voicemailPolicy", "voicemail", "voicemailPolicy")]
    [InlineData("voicemailPolicy", "HANGUP", "voicemailPolicy")]
    [InlineData("voicemailMessage", "", "voicemailMessage")]
    [InlineData("voicemailMessage", "   ", "voicemailMessage")]
    [InlineData("voicemailMessage", "Line one.\nLine two.", "voicemailMessage")]
    public void InvalidValue_NamesTheField(string name, string value, string field)
    {
        var parameters = Parameters(("voicemailPolicy", "leave_message"), ("voicemailMessage", "Hello."));
        parameters[name] = value;

        Assert.False(CallParameters.TryResolve(s_empty, parameters, s_bound, out _, out var error));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void MessageOverAThousandCharacters_Refused()
    {
        var parameters = Parameters(("voicemailPolicy", "leave_message"), ("voicemailMessage", new string('a', 1001)));

        Assert.False(CallParameters.TryResolve(s_empty, parameters, s_bound, out _, out var error));

        Assert.Equal("voicemailMessage", error.Field);
    }

    [Fact]
    public void LeaveMessageWithoutTheMessage_Refused()
    {
        Assert.False(CallParameters.TryResolve(s_empty, Parameters(("voicemailPolicy", "leave_message")), s_bound, out _, out var error));
        Assert.Equal("voicemailMessage", error.Field);
    }

    [Fact]
    public void AMessageWithoutAPolicy_Refused()
    {
        Assert.False(CallParameters.TryResolve(s_empty, Parameters(("voicemailMessage", "Hello.")), s_bound, out _, out var error));
        Assert.Equal("voicemailPolicy", error.Field);
    }
}
