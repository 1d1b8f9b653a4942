using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Plivo;

/// <summary>
/// The Plivo XML a Plivo number's call gets (docs/providers.md): a bidirectional <c>&lt;Stream&gt;</c> that keeps the
/// call on the socket, μ-law 8 kHz (Plivo's default L16 is refused by the voice server), its URL the element's text
/// with the configuration in the query string; and the transfer URL's <c>&lt;Dial&gt;</c>.
/// </summary>
internal static class PlivoXml
{
    public const string Apology = "Sorry, this number is not in service right now. Goodbye.";

    private const string Unavailable = "Sorry, the assistant is unavailable. Goodbye.";

    /// <summary>
    /// <paramref name="streamUrl"/> with <paramref name="parameters"/> as its query, each name and value escaped; with
    /// <paramref name="recordWith"/>, Plivo's recording of the call starts first (<see cref="PlivoRecording.WriteRecord"/>).
    /// </summary>
    public static string Stream(Uri streamUrl, IEnumerable<(string Name, string Value)> parameters, MainAppOptions? recordWith = null) => XmlDocuments.Write(writer =>
    {
        if (recordWith is not null)
        {
            PlivoRecording.WriteRecord(writer, recordWith);
        }

        var query = string.Join('&', parameters.Select(static p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value)}"));
        writer.WriteStartElement("Stream");
        writer.WriteAttributeString("bidirectional", "true");
        writer.WriteAttributeString("keepCallAlive", "true");
        writer.WriteAttributeString("audioTrack", "inbound");
        writer.WriteAttributeString("contentType", "audio/x-mulaw;rate=8000");
        writer.WriteString(new UriBuilder(streamUrl) { Query = query }.Uri.AbsoluteUri);
        writer.WriteEndElement();
        writer.WriteElementString("Speak", Unavailable);
    });

    /// <summary>No enabled agent for the number: a spoken apology, then the call ends.</summary>
    public static string NotInService() => XmlDocuments.Write(static writer =>
    {
        writer.WriteElementString("Speak", Apology);
        writer.WriteStartElement("Hangup");
        writer.WriteEndElement();
    });

    /// <summary>The call leaves the agent for <paramref name="number"/> (E.164, checked by the caller).</summary>
    public static string Dial(string number) => XmlDocuments.Write(writer =>
    {
        writer.WriteStartElement("Dial");
        writer.WriteElementString("Number", number);
        writer.WriteEndElement();
    });
}
