using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.TwilioEmulator;

public sealed partial class FakeTwilioCaller
{
    // Bounds on what a refusal response may hold; a refusal is a short JSON or text body.
    private const int MaxResponseHeaderBytes = 64 * 1024;
    private const int MaxResponseBodyBytes = 1024 * 1024;

    /// <summary>Performs the upgrade and starts the receive loop.</summary>
    /// <exception cref="WebSocketUpgradeRefusedException">The server answered with a status other than 101.</exception>
    public static async Task<FakeTwilioCaller> ConnectAsync(Uri url, FakeTwilioCallerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        options ??= new FakeTwilioCallerOptions();
        var socket = CreateSocket(url, options);
        var started = options.TimeProvider.GetTimestamp();
        try
        {
            await socket.ConnectAsync(url, cancellationToken);
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new WebSocketUpgradeRefusedException(status, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var caller = new FakeTwilioCaller(socket, options, options.TimeProvider.GetElapsedTime(started));
        caller.Start();
        return caller;
    }

    /// <summary>
    /// Attempts the upgrade and reports the refusal status (e.g. 400, 403), or null when the server accepted it
    /// (the socket is then closed). A failure with no HTTP answer at all (connection refused) is rethrown.
    /// </summary>
    public static Task<HttpStatusCode?> TryConnectForStatusAsync(Uri url, string? origin, CancellationToken cancellationToken = default) =>
        TryConnectForStatusAsync(url, origin, headers: null, cancellationToken);

    /// <summary>As above, with extra upgrade headers (e.g. <c>x-twilio-signature</c>, see <see cref="TwilioIds.ComputeSignature"/>).</summary>
    public static async Task<HttpStatusCode?> TryConnectForStatusAsync(
        Uri url,
        string? origin,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var socket = CreateSocket(url, new FakeTwilioCallerOptions { Origin = origin, Headers = headers });
        try
        {
            await socket.ConnectAsync(url, cancellationToken);
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            return socket.HttpStatusCode;
        }

        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "status probe", cancellationToken);
        }
        catch (Exception ex) when (WebSocketIo.IsConnectionEnded(ex))
        {
        }

        return null;
    }

    /// <summary>
    /// Sends a raw HTTP/1.1 upgrade request and returns the status with the response body, so a test or the
    /// simulator can read a refusal (400/403 JSON). A 101 answer returns an empty body and drops the connection.
    /// Accepts ws, wss, http and https URLs.
    /// </summary>
    public static Task<(HttpStatusCode Status, string Body)> SendUpgradeRequestAsync(Uri url, string? origin, CancellationToken cancellationToken = default) =>
        SendUpgradeRequestAsync(url, origin, headers: null, cancellationToken);

    /// <inheritdoc cref="SendUpgradeRequestAsync(Uri, string?, CancellationToken)"/>
    public static async Task<(HttpStatusCode Status, string Body)> SendUpgradeRequestAsync(
        Uri url,
        string? origin,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        var secure = url.Scheme is "wss" or "https";
        var port = url.IsDefaultPort || url.Port < 0 ? (secure ? 443 : 80) : url.Port;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, port, cancellationToken);
        Stream stream = tcp.GetStream();
        await using var sslStream = secure ? new SslStream(stream) : null;
        if (sslStream is not null)
        {
            await sslStream.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken);
            stream = sslStream;
        }

        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {url.PathAndQuery} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {url.Authority}\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Sec-WebSocket-Version: 13\r\n")
            .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n");
        if (origin is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"Origin: {origin}\r\n");
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), cancellationToken);
        await stream.FlushAsync(cancellationToken);

        var reader = new HttpResponseReader(stream);
        var statusLine = await reader.ReadLineAsync(cancellationToken)
            ?? throw new IOException("The server closed the connection without an HTTP response.");
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new IOException($"Malformed HTTP status line: {statusLine}");
        }

        var responseHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var headerBytes = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { Length: > 0 } line)
        {
            headerBytes += line.Length;
            if (headerBytes > MaxResponseHeaderBytes)
            {
                throw new IOException("HTTP response headers too large.");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                responseHeaders[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        var status = (HttpStatusCode)code;
        if (status == HttpStatusCode.SwitchingProtocols)
        {
            return (status, string.Empty);
        }

        byte[] body;
        if (responseHeaders.TryGetValue("Transfer-Encoding", out var encoding)
            && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await reader.ReadChunkedAsync(MaxResponseBodyBytes, cancellationToken);
        }
        else if (responseHeaders.TryGetValue("Content-Length", out var lengthText)
            && int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            body = await reader.ReadExactAsync(Math.Min(length, MaxResponseBodyBytes), cancellationToken);
        }
        else
        {
            body = await reader.ReadToEndAsync(MaxResponseBodyBytes, cancellationToken);
        }

        return (status, Encoding.UTF8.GetString(body));
    }

    private static ClientWebSocket CreateSocket(Uri url, FakeTwilioCallerOptions options)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (options.KeepAliveInterval is { } keepAlive)
        {
            socket.Options.KeepAliveInterval = keepAlive;
        }

        if (options.Origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", options.Origin);
        }

        foreach (var (name, value) in options.Headers ?? new Dictionary<string, string>())
        {
            socket.Options.SetRequestHeader(name, value);
        }

        if (options.SignatureAuthToken is not null)
        {
            // Twilio's WebSocket upgrade carries the header in lower case.
            var signed = options.SignatureUrl ?? url.OriginalString;
            socket.Options.SetRequestHeader("x-twilio-signature", TwilioIds.ComputeSignature(options.SignatureAuthToken, signed));
        }

        return socket;
    }

    /// <summary>Minimal HTTP/1.1 response reader over a raw stream (status line, headers, body framings).</summary>
    private sealed class HttpResponseReader
    {
        private readonly Stream _stream;
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public HttpResponseReader(Stream stream)
        {
            _stream = stream;
        }

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return line.Count == 0 ? null : Encoding.ASCII.GetString([.. line]);
                }

                var b = _buffer[_start++];
                if (b == (byte)'\n')
                {
                    if (line.Count > 0 && line[^1] == (byte)'\r')
                    {
                        line.RemoveAt(line.Count - 1);
                    }

                    return Encoding.ASCII.GetString([.. line]);
                }

                line.Add(b);
                if (line.Count > MaxResponseHeaderBytes)
                {
                    throw new IOException("HTTP line too long.");
                }
            }
        }

        public async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    break;
                }

                var n = Math.Min(count - filled, _end - _start);
                Array.Copy(_buffer, _start, result, filled, n);
                _start += n;
                filled += n;
            }

            return filled == count ? result : result[..filled];
        }

        public async Task<byte[]> ReadToEndAsync(int limit, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream();
            while (body.Length < limit && (_start < _end || await FillAsync(cancellationToken)))
            {
                var n = (int)Math.Min(limit - body.Length, _end - _start);
                body.Write(_buffer, _start, n);
                _start += n;
            }

            return body.ToArray();
        }

        public async Task<byte[]> ReadChunkedAsync(int limit, CancellationToken cancellationToken)
        {
            using var body = new MemoryStream();
            while (await ReadLineAsync(cancellationToken) is { } sizeLine)
            {
                var sizeText = sizeLine.Split(';', 2)[0].Trim();
                if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size == 0)
                {
                    break;
                }

                var chunk = await ReadExactAsync(size, cancellationToken);
                body.Write(chunk);
                await ReadLineAsync(cancellationToken);
                if (body.Length > limit)
                {
                    break;
                }
            }

            return body.ToArray();
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await _stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }
}
