using System.Globalization;
using System.Net;
using System.Text.Json;
using VoiceServer.Hosting;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Endpoints;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_ReturnsHealthyWithUtcTimestamp()
    {
        using var timeout = TestTimeout.Create();
        await using var server = await TestVoiceServer.StartAsync(cancellationToken: timeout.Token);
        using var http = new HttpClient();

        using var response = await http.GetAsync(server.HttpUrl("/health"), timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal(["status", "service", "timestamp"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("voice-server", body.RootElement.GetProperty("service").GetString());
        var timestamp = body.RootElement.GetProperty("timestamp").GetString()!;
        Assert.EndsWith("Z", timestamp, StringComparison.Ordinal);
        var parsed = DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - parsed).TotalMinutes) < 5);
    }

    [Theory]
    [InlineData(null, null, "http://+:8080")]
    [InlineData(null, "3000", "http://+:3000")]
    [InlineData("http://127.0.0.1:5005", "3000", null)]
    public void Listening_PortDefaultsTo8080AndExplicitUrlsWin(string? urls, string? port, string? expected)
    {
        Assert.Equal(expected, HostingExtensions.ResolveListenUrl(urls, port));
    }

    [Theory]
    [InlineData("http")]
    [InlineData("0")]
    [InlineData("70000")]
    public void Listening_InvalidPort_StopsTheBoot(string port)
    {
        Assert.Throws<InvalidOperationException>(() => HostingExtensions.ResolveListenUrl(null, port));
    }

    [Fact]
    public async Task Listening_PortSetting_BindsAllInterfaces()
    {
        using var timeout = TestTimeout.Create();
        var port = FreePort();
        await using var app = VoiceServerApplication.Build([$"--PORT={port}"]);
        await app.StartAsync(timeout.Token);
        using var http = new HttpClient();

        using var response = await http.GetAsync($"http://127.0.0.1:{port}/health", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.StopAsync(timeout.Token);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
