using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.MainApp.Data;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The admin API's key is a requirement of its endpoints, so no spelling of a route that routing accepts (any case, a
/// trailing slash, an escaped letter, dot segments) reaches a handler without it; and no attempt changes the store.
/// </summary>
public sealed class AdminApiAuthenticationTests
{
    private const string Seeded = "seeded";
    private const string SeededNumber = "+15557001000";
    private const string UnusedNumber = "+15557009999";

    /// <summary>Every admin route: method, the resource after <c>/api/</c>, the route value, a body, what the key gets.</summary>
    private static readonly Dictionary<string, (string Method, string Resource, string? Value, string? Body, HttpStatusCode WithKey)> s_routes = new()
    {
        ["list agents"] = ("GET", "agents", null, null, HttpStatusCode.OK),
        ["get agent"] = ("GET", "agents", Seeded, null, HttpStatusCode.OK),
        ["replace agent"] = ("PUT", "agents", Seeded, """{"name":"Taken over","prompt":"Read me your card number."}""", HttpStatusCode.OK),
        ["create agent"] = ("PUT", "agents", "intruder", """{"name":"Intruder"}""", HttpStatusCode.Created),
        ["delete agent"] = ("DELETE", "agents", Seeded, null, HttpStatusCode.NoContent),
        ["assign number"] = ("PUT", "numbers", UnusedNumber, $$"""{"agentId":"{{Seeded}}"}""", HttpStatusCode.NoContent),
        ["remove number"] = ("DELETE", "numbers", SeededNumber, null, HttpStatusCode.NoContent),
        ["list calls"] = ("GET", "calls", null, null, HttpStatusCode.OK),
    };

    /// <summary>Ways to write a path that a case-sensitive or exact-match check would not recognise as the route.</summary>
    private static readonly Dictionary<string, Func<string, string?, string>> s_spellings = new()
    {
        ["exact"] = (resource, value) => $"/api/{resource}{Tail(value)}",
        ["upper case"] = (resource, value) => $"/API/{resource.ToUpperInvariant()}{Tail(value)}",
        ["mixed case"] = (resource, value) => $"/Api/{char.ToUpperInvariant(resource[0])}{resource[1..]}{Tail(value)}",
        ["trailing slash"] = (resource, value) => $"/api/{resource}{Tail(value)}/",
        ["escaped letter"] = (resource, value) => $"/api/%{(int)resource[0]:x2}{resource[1..]}{Tail(value)}",
        ["escaped upper letter"] = (resource, value) => $"/api/%{(int)char.ToUpperInvariant(resource[0]):X2}{resource[1..]}{Tail(value)}",
        ["double slash"] = (resource, value) => $"/api//{resource}{Tail(value)}",
        ["dot segment"] = (resource, value) => $"/api/x/../{resource}{Tail(value)}",
        ["escaped dot segment"] = (resource, value) => $"/api/x/%2e%2e/{resource}{Tail(value)}",
    };

    public static TheoryData<string> Routes => [.. s_routes.Keys];

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task AnySpellingOfTheRoute_WithoutTheRightKey_NeverReachesTheHandler(string route)
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync(Seeded, SeededNumber, new JsonObject { ["name"] = "Seeded", ["prompt"] = "Secret prompt." });
        using (var stored = await system.PostCallRecordAsync(SystemHarness.CallRecord("c1", Seeded, turnText: "My card number is 4111.").ToJsonString()))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var (method, resource, value, body, withKey) = s_routes[route];
        var failures = new List<string>();
        foreach (var (spelling, write) in s_spellings)
        {
            foreach (var key in new[] { null, "wrong-key", string.Empty, SystemHarness.AdminKey.ToUpperInvariant() })
            {
                var path = write(resource, value);
                using var response = await SendRawAsync(system, method, path, body, key);
                var text = await response.Content.ReadAsStringAsync(system.Token);
                if (response.StatusCode == HttpStatusCode.Unauthorized
                    ? !text.Contains("\"error\":\"unauthorized\"", StringComparison.Ordinal)
                    : response.StatusCode != HttpStatusCode.NotFound)
                {
                    failures.Add($"{method} {path} (key {key ?? "none"}, {spelling}): {(int)response.StatusCode} {text}");
                }
            }
        }

        // Nothing was written, whatever the answers said.
        var agents = await system.Store.ListAsync(system.Token);
        Assert.Equal([(Seeded, "Seeded", "Secret prompt.")], agents.Select(a => (a.Id, a.Name, a.Prompt)));
        Assert.Equal([SeededNumber], await system.Store.NumbersOfAsync(Seeded, system.Token));
        Assert.Null(await system.Store.FindByNumberAsync(UnusedNumber, PhoneProvider.Twilio, system.Token));
        Assert.Empty(failures);

        // The same request with the key does what it says: the refusals above were about the key, not the request.
        using var admitted = await SendRawAsync(system, method, s_spellings["exact"](resource, value), body, SystemHarness.AdminKey);
        Assert.Equal(withKey, admitted.StatusCode);
    }

    [Fact]
    public async Task EveryCaseAndSlashVariant_WithTheKey_IsServed()
    {
        await using var system = await SystemHarness.StartAsync("sqlite");
        await system.CreateAgentAsync(Seeded, SeededNumber, new JsonObject { ["name"] = "Seeded" });

        foreach (var spelling in new[] { "upper case", "mixed case", "trailing slash", "escaped letter" })
        {
            using var response = await SendRawAsync(system, "GET", s_spellings[spelling]("agents", Seeded), body: null, SystemHarness.AdminKey);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{spelling}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task WithoutAdminApiKeyConfigured_EveryRouteRefusesEveryKey()
    {
        await using var system = await SystemHarness.StartAsync("sqlite", new Dictionary<string, string?> { ["ADMIN_API_KEY"] = null });

        foreach (var (route, (method, resource, value, body, _)) in s_routes)
        {
            foreach (var key in new[] { null, string.Empty, SystemHarness.AdminKey })
            {
                using var response = await SendRawAsync(system, method, s_spellings["exact"](resource, value), body, key);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route} with key '{key}': {(int)response.StatusCode}");
            }
        }

        Assert.Empty(await system.Store.ListAsync(system.Token));
    }

    private static string Tail(string? value) => value is null ? string.Empty : "/" + value;

    /// <summary>Sends the path exactly as written: no dot-segment removal or unescaping on the client's side.</summary>
    internal static async Task<HttpResponseMessage> SendRawAsync(SystemHarness system, string method, string path, string? body, string? key)
    {
        var url = new Uri(system.BaseAddress.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await system.Anonymous.SendAsync(request, system.Token);
    }
}
