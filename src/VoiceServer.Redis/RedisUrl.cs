using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace VoiceServer.Redis;

/// <summary>
/// Reads <c>REDIS_URL</c>: <c>redis://[[user]:password@]host[:port][/db]</c>, <c>rediss://</c> for TLS (the form
/// Fly.io's managed Redis, Upstash, gives), or a StackExchange.Redis configuration string
/// (<c>host:6379,password=…,ssl=true</c>). The setting usually holds a password, so no problem message quotes it.
/// </summary>
public static class RedisUrl
{
    public const int DefaultPort = 6379;

    // A replay check waits for Redis at call set-up, which the caller hears: a few seconds at most, then the call is
    // refused. StackExchange.Redis's own defaults are 5 s for both.
    public const int ConnectTimeoutMilliseconds = 5000;
    public const int CommandTimeoutMilliseconds = 3000;

    public static bool TryParse(string text, [NotNullWhen(true)] out ConfigurationOptions? options, [NotNullWhen(false)] out string? problem)
    {
        options = null;
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryParseUrl(text, out options, out problem))
            {
                return false;
            }
        }
        else
        {
            try
            {
                options = ConfigurationOptions.Parse(text);
            }
            catch (ArgumentException)
            {
                // The parser's message may quote part of the setting; ours names the setting only.
                problem = "REDIS_URL is neither a redis:// (rediss://) URL nor a valid StackExchange.Redis configuration string.";
                return false;
            }

            if (options.EndPoints.Count == 0)
            {
                problem = "REDIS_URL names no Redis server.";
                options = null;
                return false;
            }
        }

        // The multiplexer must survive Redis being away at start-up and reconnect by itself; calls are refused meanwhile.
        options.AbortOnConnectFail = false;
        options.ClientName ??= "voice-server";
        problem = null;
        return true;
    }

    /// <summary>The servers as <c>host:port</c>, for log lines: never the password.</summary>
    public static string Describe(ConfigurationOptions options) =>
        string.Join(",", options.EndPoints.Select(static endpoint => endpoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port.ToString(CultureInfo.InvariantCulture)}",
            _ => endpoint.ToString() ?? "?",
        }));

    private static bool TryParseUrl(string text, [NotNullWhen(true)] out ConfigurationOptions? options, [NotNullWhen(false)] out string? problem)
    {
        options = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            problem = "REDIS_URL is not a valid redis:// (rediss://) URL.";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problem = "REDIS_URL takes no query string; for further options use a StackExchange.Redis configuration string.";
            return false;
        }

        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && !int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database))
        {
            problem = "REDIS_URL's path must be a database number, as in redis://host:6379/0.";
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        // DnsSafeHost drops an IPv6 literal's brackets.
        var host = uri.DnsSafeHost;
        options = new ConfigurationOptions
        {
            Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
            DefaultDatabase = database,
            ConnectTimeout = ConnectTimeoutMilliseconds,
            SyncTimeout = CommandTimeoutMilliseconds,
            AsyncTimeout = CommandTimeoutMilliseconds,
        };
        options.EndPoints.Add(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
        if (options.Ssl)
        {
            options.SslHost = host;
        }

        // user:password, :password, or (as redis-cli reads it) a lone password.
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = separator < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[..separator]);
            var password = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[(separator + 1)..]);
            // "default" is the user a plain AUTH <password> logs in as; leaving it out also suits Redis before 6 (no ACLs).
            if (user.Length > 0 && user != "default")
            {
                options.User = user;
            }

            if (password.Length > 0)
            {
                options.Password = password;
            }
        }

        problem = null;
        return true;
    }
}
