using System.Net;
using StackExchange.Redis;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// The throwaway Redis the test command starts (scripts/redis-for-tests.sh, through scripts/test.sh), shared by the
/// replay-guard tests; each test uses keys of its own (fresh token ids). Without it those tests fail, never skip.
/// </summary>
public static class TestRedis
{
    public const string Variable = "VOICE_SERVER_TEST_REDIS";

    /// <summary>redis://default:&lt;password&gt;@127.0.0.1:&lt;port&gt;/0, as the script prints it.</summary>
    public static Uri Url =>
        Uri.TryCreate(Environment.GetEnvironmentVariable(Variable), UriKind.Absolute, out var url)
            ? url
            : throw new InvalidOperationException(
                $"{Variable} is not set: run the tests with scripts/test.sh, which starts Redis, or export the URL that scripts/redis-for-tests.sh prints.");

    public static string Password
    {
        get
        {
            var userInfo = Url.UserInfo;
            var password = Uri.UnescapeDataString(userInfo[(userInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            return password.Length >= 8
                ? password
                : throw new InvalidOperationException($"{Variable} should carry a password (as scripts/redis-for-tests.sh sets one), so the tests can check it is never logged.");
        }
    }

    public static IPEndPoint EndPoint => new(IPAddress.Parse(Url.Host), Url.Port);

    /// <summary>The same server's URL through another port on loopback (a <see cref="TcpRelay"/>, or a closed port).</summary>
    public static string UrlAtPort(int port) => $"redis://default:{Uri.EscapeDataString(Password)}@127.0.0.1:{port}/0";

    /// <summary>A client of the test's own, configured by hand rather than by the server's parser of REDIS_URL.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { EndPoint }, Password = Password });

    /// <summary>Asserts that no captured log line, exception, state or scope holds <paramref name="secret"/>.</summary>
    public static void AssertNeverLogged(CapturedLogs logs, string secret)
    {
        Assert.NotEmpty(logs.Entries);
        foreach (var entry in logs.Entries)
        {
            Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, entry.State, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, entry.Exception ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, entry.Scopes, StringComparison.Ordinal);
        }
    }
}
