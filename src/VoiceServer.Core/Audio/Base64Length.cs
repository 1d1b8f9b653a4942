namespace VoiceServer.Audio;

/// <summary>Audio stays base64 end to end; this gives its decoded size without decoding it.</summary>
public static class Base64Length
{
    /// <summary>Decoded byte count of a padded base64 text: length × 3 / 4, minus the padding.</summary>
    public static int GetDecodedLength(ReadOnlySpan<byte> base64)
    {
        var length = base64.Length;
        if (length == 0)
        {
            return 0;
        }

        var padding = 0;
        if (base64[length - 1] == (byte)'=')
        {
            padding++;
            if (length > 1 && base64[length - 2] == (byte)'=')
            {
                padding++;
            }
        }

        return (length * 3 / 4) - padding;
    }
}
