using System.Security.Cryptography;

namespace VoiceServer.Fakes;

/// <summary>Identifiers shaped like the Realtime API's (prefix, underscore, 21 alphanumerics).</summary>
public static class RealtimeIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string NewEventId() => New("event");

    public static string NewResponseId() => New("resp");

    public static string NewItemId() => New("item");

    public static string NewCallId() => New("call");

    public static string NewSessionId() => New("sess");

    public static string NewConversationId() => New("conv");

    private static string New(string prefix) => prefix + "_" + RandomNumberGenerator.GetString(Alphabet, 21);
}
