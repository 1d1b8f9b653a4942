using Microsoft.Playwright;
using VoiceServer.Audio;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Playground;

/// <summary>
/// One headless Chromium for the playground's browser tests: the system's own (Debian's <c>chromium</c>; Playwright
/// downloads nothing), with a fake microphone that plays <see cref="MicrophoneSamples"/>: a second of silence, the
/// booking sentence, then silence.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The fake microphone's rate: what a phone-format WAV is, so the browser resamples it, and then the page.</summary>
    public const int MicrophoneRate = 8000;

    private static readonly TimeSpan BrowserStartTimeout = TimeSpan.FromMinutes(2);

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>What the fake microphone says, sample by sample.</summary>
    public short[] MicrophoneSamples { get; private set; } = [];

    public string MicrophoneFile { get; } = Path.Combine(Path.GetTempPath(), $"voice-server-fake-microphone-{Guid.NewGuid():N}.wav");

    /// <summary><c>CHROMIUM_PATH</c>, else Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {ChromiumPath} (Debian: apt-get install chromium; scripts/test.sh installs it), or CHROMIUM_PATH set.");
        }

        var speech = MuLaw.Decode(AudioFixtures.LoadMulaw("caller-booking-8k-pcm16.wav"));
        MicrophoneSamples = [.. new short[MicrophoneRate], .. speech, .. new short[MicrophoneRate * 3]];
        WavWriter.WritePcm16File(MicrophoneFile, MicrophoneSamples, MicrophoneRate);

        _playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // A browser installed moments ago builds its caches on its first start: a safety net, not a wait.
            Timeout = (float)BrowserStartTimeout.TotalMilliseconds,
            Args =
            [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                // %noloop: the file plays once, then the microphone is silent.
                $"--use-file-for-fake-audio-capture={MicrophoneFile}%noloop",
                "--autoplay-policy=no-user-gesture-required",
            ],
        });
        await WarmUpAsync();
    }

    /// <summary>
    /// Opens and renders one page before any test runs, so a cold browser's first page (profile, fonts, renderer
    /// process) is paid here, outside the tests' own time limits.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var page = await Browser.NewPageAsync();
        try
        {
            await page.SetContentAsync("<p>warm</p>", new PageSetContentOptions { Timeout = (float)BrowserStartTimeout.TotalMilliseconds });
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        File.Delete(MicrophoneFile);
    }
}
