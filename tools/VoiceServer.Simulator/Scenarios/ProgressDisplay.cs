using System.Diagnostics;
using System.Globalization;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// What the run is doing, as it happens. Plain (output redirected, as in CI logs): one timestamped line per event.
/// Live (a terminal): the same lines, with a status line kept at the bottom and redrawn in place (ANSI erase-line)
/// that shows every running scenario's latest step and the tally so far.
/// </summary>
internal sealed class ProgressDisplay
{
    private readonly TextWriter _output;
    private readonly bool _live;
    private readonly int _total;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _running = new(StringComparer.Ordinal);
    private int _passed;
    private int _failed;
    private int _errors;

    public ProgressDisplay(TextWriter output, bool live, int total)
    {
        _output = output;
        _live = live;
        _total = total;
    }

    public void Started(Scenario scenario) => Step(scenario, "started");

    public void Step(Scenario scenario, string step)
    {
        lock (_gate)
        {
            _running[scenario.Name] = step;
            Write($"{scenario.Name}: {step}");
        }
    }

    public void Finished(ScenarioResult result)
    {
        lock (_gate)
        {
            _running.Remove(result.Scenario.Name);
            switch (result.Verdict)
            {
                case ScenarioVerdict.Passed:
                    _passed++;
                    break;
                case ScenarioVerdict.Failed:
                    _failed++;
                    break;
                default:
                    _errors++;
                    break;
            }

            var detail = result.Error ?? $"{result.CriteriaPassed}/{result.Criteria.Count} criteria";
            Write($"{result.Scenario.Name}: {result.Verdict.ToString().ToLowerInvariant()} ({detail})");
        }
    }

    /// <summary>Clears the live status line before the final report.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_live)
            {
                _output.Write("\r\u001b[2K");
                _output.Flush();
            }
        }
    }

    private void Write(string line)
    {
        var elapsed = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        if (!_live)
        {
            _output.WriteLine($"[{elapsed,7} s] {line}");
            return;
        }

        var done = _passed + _failed + _errors;
        var running = string.Join(", ", _running.Select(r => $"{r.Key} ({r.Value})"));
        var status = $"{done}/{_total} done: {_passed} passed, {_failed} failed, {_errors} errors | running: {running}";
        if (status.Length > 200)
        {
            status = string.Concat(status.AsSpan(0, 199), "…");
        }

        _output.Write($"\r\u001b[2K[{elapsed,7} s] {line}\n{status}");
        _output.Flush();
    }
}
