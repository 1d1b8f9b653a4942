namespace VoiceServer.Legs;

/// <summary>The model connection could not be opened. The message never contains the key.</summary>
public sealed class ModelConnectException : Exception
{
    public ModelConnectException()
    {
    }

    public ModelConnectException(string message)
        : base(message)
    {
    }

    public ModelConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelConnectException(string message, int? statusCode, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of a refused upgrade, when there was one.</summary>
    public int? StatusCode { get; }
}
