using System.Text;
using System.Xml;

namespace VoiceServer.MainApp.Webhooks;

/// <summary>XML answers (TeXML, Plivo XML) written with an <see cref="XmlWriter"/>: every value escaped, no markup by hand.</summary>
internal static class XmlDocuments
{
    private static readonly XmlWriterSettings s_settings = new() { Encoding = new UTF8Encoding(false), Indent = true, CheckCharacters = true };

    public static string Write(Action<XmlWriter> writeResponse)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, s_settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("Response");
            writeResponse(writer);
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
