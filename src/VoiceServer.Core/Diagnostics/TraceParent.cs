using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VoiceServer.Diagnostics;

/// <summary>
/// The W3C <c>traceparent</c> a call's configuration carries from the main app's webhook span to the voice server's
/// call span: <c>00-&lt;32 hex trace id&gt;-&lt;16 hex span id&gt;-&lt;2 hex flags&gt;</c>, lowercase. Read strictly: a value
/// that a caller could have bent (another version, upper case, zero ids, extra text) is not a parent, it is ignored.
/// </summary>
public static class TraceParent
{
    /// <summary>The parameter (and signed claim) it travels under, as the W3C header is named.</summary>
    public const string ParameterName = "traceparent";

    /// <summary>Version 00 has exactly this length; nothing longer is read.</summary>
    public const int Length = 55;

    private static readonly SearchValues<char> s_lowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>The span as a <c>traceparent</c> value; null when there is no span.</summary>
    public static string? Format(Activity? activity) => activity is null || activity.IdFormat != ActivityIdFormat.W3C
        ? null
        : $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{((activity.ActivityTraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>Reads a version-00 value; false for anything else, so a hostile value never becomes a parent.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ActivityContext context)
    {
        context = default;
        if (value is not { Length: Length } || !value.StartsWith("00-", StringComparison.Ordinal) || value[35] != '-' || value[52] != '-')
        {
            return false;
        }

        var traceId = value.AsSpan(3, 32);
        var spanId = value.AsSpan(36, 16);
        var flags = value.AsSpan(53, 2);
        if (!IsLowerHex(traceId) || !IsLowerHex(spanId) || !IsLowerHex(flags) ||
            !traceId.ContainsAnyExcept('0') || !spanId.ContainsAnyExcept('0'))
        {
            return false;
        }

        var sampled = (byte.Parse(flags, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) & 1) != 0;
        context = new ActivityContext(
            ActivityTraceId.CreateFromString(traceId),
            ActivitySpanId.CreateFromString(spanId),
            sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
            isRemote: true);
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(s_lowerHex);
}
