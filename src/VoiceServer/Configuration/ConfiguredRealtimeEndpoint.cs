using Microsoft.Extensions.Options;
using VoiceServer.OpenAI;

namespace VoiceServer.Configuration;

/// <summary>The model endpoint from <c>OPENAI_REALTIME_URL</c>.</summary>
internal sealed class ConfiguredRealtimeEndpoint(IOptions<RealtimeOptions> options) : IRealtimeEndpoint
{
    public Uri Url => options.Value.Url;
}
