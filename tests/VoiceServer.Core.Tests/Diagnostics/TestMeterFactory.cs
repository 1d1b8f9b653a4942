using System.Diagnostics.Metrics;

namespace VoiceServer.Core.Tests.Diagnostics;

/// <summary>A meter factory of a test's own, so the metrics a test creates are disposed with it.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
