namespace VoiceServer.Outbound;

/// <summary>
/// A webhook's host resolves only to addresses the outbound guard refuses. Raised before any connection is made;
/// the HTTP client wraps it in an <see cref="HttpRequestException"/>.
/// </summary>
public sealed class OutboundAddressRefusedException : IOException
{
    public OutboundAddressRefusedException()
    {
    }

    public OutboundAddressRefusedException(string message)
        : base(message)
    {
    }

    public OutboundAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether <paramref name="exception"/> (as the HTTP client throws it) is this refusal.</summary>
    internal static bool IsRefusal(Exception? exception) =>
        exception is OutboundAddressRefusedException or HttpRequestException { InnerException: OutboundAddressRefusedException };
}
