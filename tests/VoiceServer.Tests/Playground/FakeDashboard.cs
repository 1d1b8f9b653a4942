using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace VoiceServer.Tests.Playground;

/// <summary>
/// A customer's dashboard on an origin of its own (another Kestrel on 127.0.0.1): a page that embeds the
/// playground element, loading its script from the voice server, or from copies of the scripts it serves itself.
/// </summary>
public sealed class FakeDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _scripts = new(StringComparer.Ordinal);
    private string _page = "<!doctype html><title>Dashboard</title><p>Nothing embedded yet.</p>";

    private FakeDashboard(WebApplication app)
    {
        _app = app;
    }

    /// <summary><c>http://127.0.0.1:port</c>: a loopback origin like the voice server's, but another one.</summary>
    public string Origin { get; private set; } = string.Empty;

    public string PageUrl => Origin + "/agents/1";

    /// <summary>Starts the dashboard; <see cref="EmbedAsync"/> says which voice server its page embeds.</summary>
    public static async Task<FakeDashboard> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var dashboard = new FakeDashboard(app);
        app.MapGet("/agents/1", () => Results.Content(dashboard._page, "text/html"));
        app.MapGet("/playground/{name}", (string name) => dashboard._scripts.TryGetValue(name, out var script)
            ? Results.Content(script, "text/javascript")
            : Results.NotFound());
        await app.StartAsync(cancellationToken);
        dashboard.Origin = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).GetLeftPart(UriPartial.Authority);
        return dashboard;
    }

    /// <summary>The page embeds <paramref name="voiceServer"/>'s element, its script from there or from copies served here.</summary>
    public async Task EmbedAsync(Uri voiceServer, bool copyScripts, CancellationToken cancellationToken)
    {
        var server = voiceServer.GetLeftPart(UriPartial.Authority);
        if (copyScripts)
        {
            using var http = new HttpClient();
            foreach (var name in PlaygroundScripts.Names)
            {
                _scripts[name] = await http.GetStringAsync(new Uri(voiceServer, "/playground/" + name), cancellationToken);
            }
        }

        var scriptBase = copyScripts ? "/playground" : server + "/playground";
        _page = $"""
            <!doctype html><html><head><title>Dashboard</title></head><body>
            <h1>Agent dashboard</h1>
            <script type="module" src="{scriptBase}/voice-playground.js"></script>
            <voice-playground server="{server}" agent-id="dashboard-agent"></voice-playground>
            </body></html>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
