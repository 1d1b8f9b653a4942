using System.Buffers.Binary;
using System.Buffers.Text;

namespace VoiceServer.LoadTest;

/// <summary>
/// A caller frame that carries its own identity: 160 μ-law bytes whose first 24 hold the call, the frame number, when
/// the generator sent it and when the echo peer saw it (Stopwatch ticks). Whatever re-chunking happens, a frame is
/// recognised at the far end, and its latencies need no lookup table.
/// </summary>
internal static class FrameTag
{
    public const int FrameBytes = 160;
    public const int Base64Bytes = 216;

    public static void Write(Span<byte> frame, int call, int frameNumber, long sentAt)
    {
        frame.Fill(0xFF);
        BinaryPrimitives.WriteInt32LittleEndian(frame, call);
        BinaryPrimitives.WriteInt32LittleEndian(frame[4..], frameNumber);
        BinaryPrimitives.WriteInt64LittleEndian(frame[8..], sentAt);
        BinaryPrimitives.WriteInt64LittleEndian(frame[16..], 0);
    }

    public static (int Call, int Frame, long SentAt, long EchoedAt) Read(ReadOnlySpan<byte> frame) => (
        BinaryPrimitives.ReadInt32LittleEndian(frame),
        BinaryPrimitives.ReadInt32LittleEndian(frame[4..]),
        BinaryPrimitives.ReadInt64LittleEndian(frame[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(frame[16..]));

    /// <summary>The echo peer stamps its arrival time into a base64 frame in place (decode, stamp, encode).</summary>
    public static bool StampEcho(Span<byte> base64Frame, long echoedAt, out long sentAt, out int call)
    {
        sentAt = 0;
        call = -1;
        Span<byte> frame = stackalloc byte[FrameBytes];
        if (base64Frame.Length != Base64Bytes ||
            Base64.DecodeFromUtf8(base64Frame, frame, out _, out var written) != System.Buffers.OperationStatus.Done || written != FrameBytes)
        {
            return false;
        }

        call = BinaryPrimitives.ReadInt32LittleEndian(frame);
        sentAt = BinaryPrimitives.ReadInt64LittleEndian(frame[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(frame[16..], echoedAt);
        return Base64.EncodeToUtf8(frame, base64Frame, out _, out _) == System.Buffers.OperationStatus.Done;
    }
}
