using System.Security.Cryptography;

namespace VoiceServer.RealtimeEmulator.Protocol;

/// <summary>Ids shaped like the real API's: a prefix, an underscore and 21 alphanumerics (the emulator and the fake).</summary>
public static class RealtimeIds
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const int RandomLength = 21;

    public static string Session() => Create("sess");

    public static string Conversation() => Create("conv");

    public static string Event() => Create("event");

    public static string Item() => Create("item");

    public static string Response() => Create("resp");

    public static string Call() => Create("call");

    private static string Create(string prefix) =>
        string.Concat(prefix, "_", RandomNumberGenerator.GetString(Alphabet, RandomLength));
}
