using System.Net;
using StackExchange.Redis;
using VoiceServer.Redis;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Security;

public sealed class RedisUrlTests
{
    private const string Password = "p4ss-w0rd-never-logged";

    private static ConfigurationOptions Parse(string text)
    {
        Assert.True(RedisUrl.TryParse(text, out var options, out var problem), problem);
        return options;
    }

    [Fact]
    public void UpstashUrl_DefaultUserLeftOut_PasswordAndDatabase()
    {
        var options = Parse($"redis://default:{Password}@fly-voice-redis.upstash.io:6379");

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("fly-voice-redis.upstash.io", 6379), (endpoint.Host, endpoint.Port));
        Assert.Equal(Password, options.Password);
        Assert.Null(options.User);
        Assert.False(options.Ssl);
        Assert.Equal(0, options.DefaultDatabase);
        Assert.False(options.AbortOnConnectFail);
        Assert.Equal(RedisUrl.ConnectTimeoutMilliseconds, options.ConnectTimeout);
        Assert.Equal(RedisUrl.CommandTimeoutMilliseconds, options.SyncTimeout);
        Assert.Equal(RedisUrl.CommandTimeoutMilliseconds, options.AsyncTimeout);
    }

    [Fact]
    public void FlyPrivateUrl_LonePasswordNoPort_DefaultPort()
    {
        var options = Parse($"redis://{Password}@fly-voice-redis.upstash.io");

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("fly-voice-redis.upstash.io", 6379), (endpoint.Host, endpoint.Port));
        Assert.Equal(Password, options.Password);
        Assert.Null(options.User);
    }

    [Fact]
    public void TlsUrl_SslOnWithTheHostName()
    {
        var options = Parse($"rediss://:{Password}@redis.example.com:6380/3");

        Assert.True(options.Ssl);
        Assert.Equal("redis.example.com", options.SslHost);
        Assert.Equal(6380, Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Port);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.Equal(Password, options.Password);
    }

    [Theory]
    [InlineData("redis://127.0.0.1", null, null, 6379)]
    [InlineData("redis://app-user:s%40cret%3A1@127.0.0.1:7000/1", "app-user", "s@cret:1", 7000)]
    [InlineData("redis://lone-password@127.0.0.1:7001", null, "lone-password", 7001)]
    [InlineData("REDIS://:pw@[::1]:7002/", null, "pw", 7002)]
    public void Url_UserPasswordAndPortForms_ReadAsRedisCliReadsThem(string url, string? user, string? password, int port)
    {
        var options = Parse(url);

        Assert.Equal(user, options.User);
        Assert.Equal(password, options.Password);
        Assert.Equal(port, Assert.IsType<IPEndPoint>(Assert.Single(options.EndPoints)).Port);
    }

    [Fact]
    public void ConfigurationString_ParsedAsStackExchangeRedisReadsIt_NeverAbortsOnConnectFail()
    {
        var options = Parse($"cache.internal:6380,password={Password},ssl=true,abortConnect=true,connectTimeout=2000");

        Assert.Equal(6380, Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints)).Port);
        Assert.Equal(Password, options.Password);
        Assert.True(options.Ssl);
        Assert.Equal(2000, options.ConnectTimeout);
        Assert.False(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData($"redis://:{Password}@127.0.0.1:6379/zero")]
    [InlineData($"redis://:{Password}@127.0.0.1:6379/0?ssl=true")]
    [InlineData($"redis://:{Password}@:6379")]
    [InlineData($"127.0.0.1:6379,password={Password},notAnOption=1")]
    [InlineData($"password={Password}")]
    public void BadSetting_Refused_ProblemNeverQuotesThePassword(string text)
    {
        Assert.False(RedisUrl.TryParse(text, out _, out var problem));

        Assert.StartsWith("REDIS_URL", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ServersOnly()
    {
        var described = RedisUrl.Describe(Parse($"rediss://default:{Password}@fly-voice-redis.upstash.io:6379/0"));

        Assert.Equal("fly-voice-redis.upstash.io:6379", described);
    }

    [Fact]
    public async Task BadSetting_StopsTheBoot_WithoutThePassword()
    {
        using var timeout = TestTimeout.Create();

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["REDIS_URL"] = $"redis://:{Password}@127.0.0.1:6379/zero" },
            cancellationToken: timeout.Token));

        Assert.Contains("REDIS_URL", failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSigningKey_RedisUnused_SaysSo()
    {
        using var timeout = TestTimeout.Create();

        await using var server = await TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["REDIS_URL"] = $"redis://:{Password}@127.0.0.1:6379/0" },
            cancellationToken: timeout.Token);

        Assert.Contains(server.Logs.Entries, e => e.EventName == "RedisUnused" && e.Level == LogLevel.Warning);
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventName == "RedisConnecting");
        TestRedis.AssertNeverLogged(server.Logs, Password);
    }
}
