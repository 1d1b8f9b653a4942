using System.Net;

namespace VoiceServer.TelnyxEmulator;

/// <summary>The TeXML a voice webhook answered, read as Telnyx reads it.</summary>
public sealed record TexmlAnswer(
    HttpStatusCode Status,
    string Body,
    Uri? StreamUrl,
    IReadOnlyDictionary<string, string> StreamAttributes,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<string> Says,
    bool HangsUp);
