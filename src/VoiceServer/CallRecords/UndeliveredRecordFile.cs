namespace VoiceServer.CallRecords;

/// <summary>
/// Keeps an undeliverable record as <c>&lt;callId&gt;.json</c> in <c>CALL_EVENTS_UNDELIVERED_DIR</c>, the exact bytes
/// that would have been POSTed, so an operator can redeliver it. The file holds the caller's words: on Unix it is
/// readable by the server's user only, and so is the directory when the server creates it.
/// </summary>
internal static class UndeliveredRecordFile
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;

    /// <summary>Writes the record and returns the file's path.</summary>
    public static string Write(string directory, string callId, byte[] body)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        // The id is the server's own (hex), but a file name is no place to trust that.
        var name = string.Concat(callId.Where(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        var path = Path.Combine(directory, (name.Length > 0 ? name : "record") + ".json");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using var file = new FileStream(path, options);
        file.Write(body);
        return path;
    }
}
