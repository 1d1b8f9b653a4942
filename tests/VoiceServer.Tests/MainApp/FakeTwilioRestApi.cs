using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The part of Twilio's REST API the main app uses, on a real socket, written from Twilio's reference (not from the
/// SDK): <c>POST …/Calls.json</c> places a call, <c>GET …/Recordings/{RecordingSid}.wav|.mp3</c> serves a recording's
/// media, <c>DELETE …/Recordings/{RecordingSid}.json</c> deletes it (204, then 404). Every request must carry the
/// account's Basic credentials (401 with Twilio's error 20003 otherwise). Media can be held after its first bytes,
/// so a test can see that it is passed on while it is still arriving.
/// </summary>
internal sealed class FakeTwilioRestApi : FakeRecordingProviderApi
{
    private readonly string _accountSid;
    private readonly string _authorization;

    private FakeTwilioRestApi(string accountSid, string authToken)
    {
        _accountSid = accountSid;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}"));
    }

    /// <summary>The CallSid <c>Calls.json</c> answers with.</summary>
    public string PlacedCallSid { get; set; } = OutboundCallTests.PlacedSid;

    public static Task<FakeTwilioRestApi> StartAsync(string accountSid, string authToken) =>
        StartOnLoopbackAsync(new FakeTwilioRestApi(accountSid, authToken));

    protected override async Task AnswerAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (!string.Equals(request.Headers.Authorization, _authorization, StringComparison.Ordinal))
        {
            await ErrorAsync(context, StatusCodes.Status401Unauthorized, 20003, "Authenticate");
            return;
        }

        var account = $"/2010-04-01/Accounts/{_accountSid}";
        const string Recordings = "/Recordings/";
        if (request.Method == "POST" && path == $"{account}/Calls.json")
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"sid":"{{PlacedCallSid}}","account_sid":"{{_accountSid}}","status":"queued","direction":"outbound-api"}""", context.RequestAborted);
        }
        else if (request.Method == "GET" && path.StartsWith(account + Recordings, StringComparison.Ordinal))
        {
            await ServeMediaAsync(context, path[(account.Length + Recordings.Length)..]);
        }
        else if (request.Method == "DELETE" && path.StartsWith(account + Recordings, StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal))
        {
            var sid = path[(account.Length + Recordings.Length)..^".json".Length];
            if (TryRemoveRecording(sid))
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            }
            else
            {
                await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {path} was not found");
            }
        }
        else
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {path} was not found");
        }
    }

    private async Task ServeMediaAsync(HttpContext context, string file)
    {
        if (!await TryServeMediaAsync(context, file, "audio/x-wav"))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, 20404, $"The requested resource {context.Request.Path} was not found");
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{status}}}""", context.RequestAborted);
    }

    /// <summary>A form body as Twilio reads it: every value of each name, in order.</summary>
    public static Dictionary<string, StringValues> Form(string body) => QueryHelpers.ParseQuery(body);
}
