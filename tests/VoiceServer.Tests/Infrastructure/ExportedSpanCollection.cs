using System.Collections;
using System.Diagnostics;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// Where OpenTelemetry's in-memory exporter puts the spans it exports (it adds each one as it ends), so a test can wait
/// for a span instead of sleeping. The tracer listens process-wide, so it sees the spans of every test running beside
/// this one: read them by trace id. A span two tracers export (the voice server's and the main app's, in one process)
/// is kept once.
/// </summary>
public sealed class ExportedSpanCollection : ICollection<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _spans = [];
    private readonly HashSet<Activity> _seen = new(ReferenceEqualityComparer.Instance);
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>The spans of one trace, in the order they ended.</summary>
    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId)
    {
        lock (_gate)
        {
            return [.. _spans.Where(span => span.TraceId == traceId)];
        }
    }

    /// <summary>Waits until a span matching <paramref name="predicate"/> has been exported, and returns it.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> predicate, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task added;
            lock (_gate)
            {
                if (_spans.FirstOrDefault(predicate) is { } found)
                {
                    return found;
                }

                added = _added.Task;
            }

            await added.WaitAsync(cancellationToken);
        }
    }

    /// <summary>A trace as an indented tree (parents first, siblings in start order) with the attributes worth reading.</summary>
    public static string FormatTree(IReadOnlyList<Activity> trace)
    {
        var text = new System.Text.StringBuilder();
        var ids = trace.Select(span => span.SpanId).ToHashSet();
        void Write(Activity span, int depth)
        {
            var tags = span.TagObjects
                .Where(tag => tag.Key.StartsWith("voice_server.", StringComparison.Ordinal) || tag.Key.StartsWith("gen_ai.", StringComparison.Ordinal) ||
                    tag.Key is "http.request.method" or "url.path" or "http.route" or "http.response.status_code" or "error.type")
                .Select(tag => $"{tag.Key}={tag.Value}");
            var events = span.Events.Select(e => e.Name).ToList();
            text.Append(' ', depth * 2).Append(span.DisplayName).Append(" (").Append(span.Kind).Append(')');
            text.Append(span.Status == ActivityStatusCode.Error ? " ERROR" : string.Empty).Append("  ").Append(string.Join(' ', tags));
            text.Append(events.Count > 0 ? $"  events: {string.Join(", ", events)}" : string.Empty).AppendLine();
            foreach (var child in trace.Where(other => other.ParentSpanId == span.SpanId).OrderBy(other => other.StartTimeUtc))
            {
                Write(child, depth + 1);
            }
        }

        foreach (var root in trace.Where(span => !ids.Contains(span.ParentSpanId)).OrderBy(span => span.StartTimeUtc))
        {
            Write(root, 0);
        }

        return text.ToString();
    }

    public void Add(Activity item)
    {
        TaskCompletionSource added;
        lock (_gate)
        {
            if (!_seen.Add(item))
            {
                return;
            }

            _spans.Add(item);
            added = _added;
            _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    public void Clear()
    {
        lock (_gate)
        {
            _spans.Clear();
            _seen.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_gate)
        {
            return _seen.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_gate)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item) => throw new NotSupportedException("Exported spans are only added.");

    public IEnumerator<Activity> GetEnumerator()
    {
        lock (_gate)
        {
            return _spans.ToList().GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
