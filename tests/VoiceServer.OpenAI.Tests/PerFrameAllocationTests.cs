using System.Text;
using VoiceServer.Audio;
using VoiceServer.Conversation;
using VoiceServer.Playback;

namespace VoiceServer.OpenAI.Tests;

/// <summary>
/// The model's side of the per-frame path allocates nothing: counted with the runtime's per-thread allocation counter, which is
/// exact and independent of machine load (no timing involved).
/// </summary>
public sealed class PerFrameAllocationTests
{
    private const int Iterations = 1_000;

    [Fact]
    public void ModelAudioDelta_ReadTrackedAndMarkedWithoutAllocation()
    {
        var json = Encoding.UTF8.GetBytes(
            """{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"""
            + "\"" + Convert.ToBase64String(new byte[800]) + "\"}");
        var scratch = new byte[json.Length];
        var ids = new Utf8StringCache();
        var tracker = new PlaybackTracker();
        tracker.StartGeneration();
        var transcript = new Transcript(TimeProvider.System);
        var markName = new byte[MarkName.MaxLength];

        var allocated = Measure(() =>
        {
            RealtimeEventReader.TryRead(json, scratch, out var serverEvent, out _);
            var responseId = ids.Get(serverEvent.ResponseId);
            var itemId = ids.Get(serverEvent.ItemId);
            var audioBytes = Base64Length.GetDecodedLength(serverEvent.Delta);
            tracker.TryTrackAudio(responseId, itemId, serverEvent.ContentIndex, audioBytes, markName, out var length);
            transcript.OnAgentAudio(itemId, audioBytes);
            tracker.OnMarkReturned(markName.AsSpan(0, length));
        });

        Assert.Equal(0, allocated);
    }

    private static long Measure(Action frame)
    {
        frame(); // warm-up: first-use allocations (string cache, dictionary buckets) are not per frame
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            frame();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
