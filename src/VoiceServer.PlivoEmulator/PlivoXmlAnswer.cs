using System.Net;

namespace VoiceServer.PlivoEmulator;

/// <summary>The Plivo XML an answer or transfer URL returned, read as Plivo reads it.</summary>
public sealed record PlivoXmlAnswer(
    HttpStatusCode Status,
    string Body,
    Uri? StreamUrl,
    IReadOnlyDictionary<string, string> StreamAttributes,
    IReadOnlyList<string> Speaks,
    bool HangsUp,
    IReadOnlyList<string> DialNumbers);
