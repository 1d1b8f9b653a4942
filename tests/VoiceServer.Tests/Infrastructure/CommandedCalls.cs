using System.Text.Json.Nodes;
using VoiceServer.Fakes;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// A voice server that takes signed call commands and reaches Twilio's REST API on a fake, and calls on it bound to a
/// signed configuration (so commands for their CallSid are theirs): what the command attack tests start from.
/// </summary>
internal static class CommandedCalls
{
    public const string AuthToken = "twilio-auth-token-0123456789";
    public const string SignatureUrl = "wss://voice.example.com/api/twilio/media-stream";

    public static Task<CallHarness> StartServerAsync(FakeHttpReceiver twilio) =>
        CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
            ["TWILIO_AUTH_TOKEN"] = AuthToken,
            ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
            ["TWILIO_ACCOUNT_SID"] = "AC0123456789abcdef0123456789abcdef",
            ["TWILIO_API_BASE_URL"] = twilio.BaseAddress.ToString(),
        });

    /// <summary>
    /// A call with a signed configuration; <paramref name="awaitsVerdict"/>: one placed with answering-machine detection;
    /// <paramref name="markMode"/>: how its caller returns marks.
    /// </summary>
    public static async Task<(FakeTwilioCaller Caller, FakeRealtimeConnection Model)> StartBoundCallAsync(CallHarness harness, bool awaitsVerdict = false, MarkMode markMode = MarkMode.Immediate)
    {
        var options = new FakeTwilioCallerOptions { MarkMode = markMode, SignatureAuthToken = AuthToken, SignatureUrl = SignatureUrl };
        var claims = new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey };
        if (awaitsVerdict)
        {
            claims["voicemailPolicy"] = "hangup";
        }

        return await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = ConfigTokens.SignedAndEncrypted(claims, callSid: options.CallSid) }, options);
    }
}
