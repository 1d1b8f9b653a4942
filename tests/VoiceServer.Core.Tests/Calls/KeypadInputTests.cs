using Microsoft.Extensions.Time.Testing;
using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class KeypadInputTests : IKeypadEvents
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new();
    private readonly KeypadInput _keypad;
    private int _pauses;

    public KeypadInputTests() => _keypad = new KeypadInput(_time, Pause, this);

    void IKeypadEvents.OnKeypadPause() => _pauses++;

    [Fact]
    public void EachMode_EveryKey_GoesAtOnce()
    {
        Assert.True(_keypad.OnKey("5", DtmfMode.Each));
        Assert.True(_keypad.TryTake(out var keys));
        Assert.Equal("5", keys);
        Assert.False(_keypad.TryTake(out _));
    }

    [Fact]
    public void CollectMode_KeysThenHash_GoTogetherWithoutTheHash()
    {
        Assert.False(_keypad.OnKey("1", DtmfMode.Collect));
        Assert.False(_keypad.OnKey("2", DtmfMode.Collect));
        Assert.True(_keypad.OnKey("#", DtmfMode.Collect));
        Assert.True(_keypad.TryTake(out var keys));
        Assert.Equal("12", keys);
    }

    [Fact]
    public void CollectMode_PauseAfterTheLastKey_AsksForTheKeysOnce()
    {
        _keypad.OnKey("1", DtmfMode.Collect);
        _time.Advance(Pause - TimeSpan.FromMilliseconds(1));
        _keypad.OnKey("2", DtmfMode.Collect);
        _time.Advance(Pause - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _pauses);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _pauses);
        Assert.True(_keypad.TryTake(out var keys));
        Assert.Equal("12", keys);
    }

    [Fact]
    public void TakenKeys_StopThePause()
    {
        _keypad.OnKey("1", DtmfMode.Collect);
        Assert.True(_keypad.TryTake(out _));
        _time.Advance(Pause * 2);
        Assert.Equal(0, _pauses);
    }

    [Fact]
    public void Stop_NoPauseFiresAfterTheCall()
    {
        _keypad.OnKey("1", DtmfMode.Collect);
        _keypad.Stop();
        _time.Advance(Pause * 2);
        Assert.Equal(0, _pauses);
    }

    [Theory]
    [InlineData("5", "The caller pressed 5.")]
    [InlineData("1234", "The caller entered 1234 on the keypad.")]
    public void Describe_OneKeyOrMany(string keys, string text) => Assert.Equal(text, KeypadInput.Describe(keys));
}
