using System.Buffers;

namespace VoiceServer.WebSockets;

/// <summary>
/// The pool every outbound message is copied into, shared by all calls.
/// </summary>
/// <remarks>
/// Not <see cref="ArrayPool{T}.Shared"/>: a message is rented on the thread that produced it and returned by the send
/// loop, usually on another thread, and under load far more messages are in flight at once than the shared pool
/// keeps (one per thread and 32 per core for each size). It would drop the surplus on return and allocate on the
/// next rent: at 300 calls on 2 cores, about 1.4 MiB of garbage a second, which the GC then grows its heap to hold.
/// This pool keeps up to <see cref="MaxArraysPerSize"/> of each size, so steady traffic allocates nothing, and it
/// holds only as many as were ever in flight at once.
/// </remarks>
public static class MessageBufferPool
{
    /// <summary>Room for the messages of about a thousand calls in flight at once, in each size.</summary>
    public const int MaxArraysPerSize = 2048;

    /// <summary>Larger messages (a rare very long prompt or tool result) are allocated and dropped.</summary>
    public const int MaxPooledBytes = 128 * 1024;

    public static ArrayPool<byte> Instance { get; } = ArrayPool<byte>.Create(MaxPooledBytes, MaxArraysPerSize);
}
