namespace VoiceServer.Tests.Playground;

/// <summary>The playground's scripts under <c>/playground/</c>: the entry module and every module it loads.</summary>
internal static class PlaygroundScripts
{
    public static readonly string[] Names =
    [
        "voice-playground.js",
        "playground-element.js",
        "playground-styles.js",
        "playground-call.js",
        "playground-error.js",
        "live-view.js",
        "media-stream.js",
        "call-audio.js",
        "audio-worklets.js",
        "dsp.js",
    ];
}
