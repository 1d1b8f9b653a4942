using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceServer.MainApp.Vonage;

/// <summary>
/// The NCCO a Vonage number's call gets, in the shape agreed with the voice server's Vonage leg: one
/// <c>connect</c> to a <c>websocket</c> endpoint (L16 16 kHz) whose <c>headers</c> (Vonage copies them into the first
/// message) carry <c>CallSid</c>, <c>From</c>, <c>To</c> and, without a signing key, the plain configuration; the
/// signed configuration travels as the upgrade's <c>Authorization</c> header instead.
/// </summary>
internal static class Ncco
{
    public const string Apology = "Sorry, this number is not in service right now. Goodbye.";

    // A JSON answer read by Vonage, not embedded in HTML: "+" in numbers stays "+", not "\u002B".
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The connect action; <paramref name="authorization"/> is the endpoint's <c>authorization</c> object, or null for
    /// none; <paramref name="record"/>, when set, is an action that goes before it (the recording, which runs on in the
    /// background while the call is connected).
    /// </summary>
    public static string Connect(Uri eventUrl, Uri streamUrl, IEnumerable<(string Name, string Value)> headers, JsonObject? authorization, JsonObject? record = null)
    {
        var headerObject = new JsonObject();
        foreach (var (name, value) in headers)
        {
            headerObject[name] = value;
        }

        var endpoint = new JsonObject
        {
            ["type"] = "websocket",
            ["uri"] = streamUrl.AbsoluteUri,
            ["content-type"] = "audio/l16;rate=16000",
            ["headers"] = headerObject,
        };
        if (authorization is not null)
        {
            endpoint["authorization"] = authorization;
        }

        var connect = new JsonObject
        {
            ["action"] = "connect",
            ["eventUrl"] = new JsonArray(eventUrl.AbsoluteUri),
            ["endpoint"] = new JsonArray(endpoint),
        };
        return (record is null ? new JsonArray(connect) : new JsonArray(record, connect)).ToJsonString(s_json);
    }

    /// <summary><c>{"type":"custom","value":"Bearer …"}</c>: Vonage sends the value as the upgrade's Authorization header.</summary>
    public static JsonObject BearerAuthorization(string token) => new() { ["type"] = "custom", ["value"] = "Bearer " + token };

    /// <summary><c>{"type":"vonage"}</c>: Vonage signs the upgrade with the same JWT as its webhooks.</summary>
    public static JsonObject VonageAuthorization() => new() { ["type"] = "vonage" };

    /// <summary>No enabled agent for the number: a spoken apology; with nothing after it, the call ends.</summary>
    public static string NotInService() => new JsonArray(new JsonObject { ["action"] = "talk", ["text"] = Apology }).ToJsonString(s_json);
}
