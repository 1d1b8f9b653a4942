using VoiceServer.MainApp.Hosting;
using VoiceServer.MainApp.Recordings;
using VoiceServer.MainApp.Webhooks;

namespace VoiceServer.MainApp.Telnyx;

/// <summary>
/// The TeXML a Telnyx number's call gets (docs/providers.md): <c>&lt;Connect&gt;&lt;Stream&gt;</c> to the voice
/// server's Telnyx path in <c>rtp</c> mode with μ-law both ways (the default <c>mp3</c> mode drops streamed frames),
/// the configuration as <c>&lt;Parameter&gt;</c>s, and an apology should the stream end without the agent. A call to be
/// recorded gets Telnyx's <c>&lt;Start&gt;&lt;Recording&gt;</c> first (<see cref="TelnyxRecording"/>).
/// </summary>
internal static class Texml
{
    public const string Apology = "Sorry, this number is not in service right now. Goodbye.";

    private const string Unavailable = "Sorry, the assistant is unavailable. Goodbye.";

    /// <summary>The call's TeXML; with <paramref name="recordWith"/>, Telnyx records it from here.</summary>
    public static string Connect(Uri streamUrl, IEnumerable<(string Name, string Value)> parameters, MainAppOptions? recordWith = null) => XmlDocuments.Write(writer =>
    {
        if (recordWith is not null)
        {
            TelnyxRecording.WriteStart(writer, recordWith);
        }

        writer.WriteStartElement("Connect");
        writer.WriteStartElement("Stream");
        writer.WriteAttributeString("url", streamUrl.AbsoluteUri);
        writer.WriteAttributeString("track", "inbound_track");
        writer.WriteAttributeString("codec", "PCMU");
        writer.WriteAttributeString("bidirectionalMode", "rtp");
        writer.WriteAttributeString("bidirectionalCodec", "PCMU");
        writer.WriteAttributeString("bidirectionalSamplingRate", "8000");
        foreach (var (name, value) in parameters)
        {
            writer.WriteStartElement("Parameter");
            writer.WriteAttributeString("name", name);
            writer.WriteAttributeString("value", value);
            writer.WriteEndElement();
        }

        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteElementString("Say", Unavailable);
    });

    /// <summary>No enabled agent for the number: a spoken apology, then the call ends.</summary>
    public static string NotInService() => XmlDocuments.Write(static writer =>
    {
        writer.WriteElementString("Say", Apology);
        writer.WriteStartElement("Hangup");
        writer.WriteEndElement();
    });
}
