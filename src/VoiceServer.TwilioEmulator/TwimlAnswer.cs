using System.Net;

namespace VoiceServer.TwilioEmulator;

/// <summary>The TwiML a voice webhook answered, read as Twilio reads it.</summary>
public sealed record TwimlAnswer(HttpStatusCode Status, string Body, Uri? StreamUrl, IReadOnlyDictionary<string, string> Parameters, IReadOnlyList<string> Says, bool HangsUp);
