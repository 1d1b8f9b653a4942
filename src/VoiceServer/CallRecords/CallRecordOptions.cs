namespace VoiceServer.CallRecords;

/// <summary>Where ended calls' records go and how hard delivery tries (see docs/call-records.md).</summary>
internal sealed class CallRecordOptions
{
    /// <summary><c>CALL_EVENTS_URL</c>: where records go when the call named no <c>callbackUrl</c>.</summary>
    public Uri? Url { get; set; }

    /// <summary><c>CALL_EVENTS_SIGNING_KEY</c>: the HMAC-SHA256 key of the signature header. Never logged.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// <c>CALL_EVENTS_UNDELIVERED_DIR</c>: where a record that could not be delivered is kept (<c>callId.json</c>,
    /// readable by the server's user only); without it such a record is only named in the log.
    /// </summary>
    public string? UndeliveredDirectory { get; set; }

    /// <summary><c>CALL_EVENTS_MAX_ATTEMPTS</c>: attempts per record before it counts as undeliverable.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary><c>CALL_EVENTS_RETRY_DELAY_MS</c>: the first retry's delay; each later one doubles, each ±20 % at random.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>On shutdown, how long deliveries in flight may go on before what is left counts as undeliverable.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>MODEL_PRICES</c>: USD per million tokens by model; the built-in table otherwise.</summary>
    public ModelPriceTable Prices { get; set; } = ModelPriceTable.Default;
}
