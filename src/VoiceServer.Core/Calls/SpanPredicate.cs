namespace VoiceServer.Calls;

internal delegate bool SpanPredicate<in TState>(TState state, ReadOnlySpan<byte> span);
