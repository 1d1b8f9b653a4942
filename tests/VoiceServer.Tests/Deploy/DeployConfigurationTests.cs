using System.Text.RegularExpressions;
using VoiceServer.Endpoints;

namespace VoiceServer.Tests.Deploy;

/// <summary>
/// Docker cannot run here, so what can be proven is that fly.toml, the Dockerfile and the server agree: port,
/// health path, drain time and capacity. (CI also publishes the app as the Dockerfile does and runs a call on it.)
/// </summary>
public sealed class DeployConfigurationTests
{
    private static readonly string s_root = FindRepositoryRoot();
    private static readonly string s_flyToml = File.ReadAllText(Path.Combine(s_root, "fly.toml"));
    private static readonly string s_dockerfile = File.ReadAllText(Path.Combine(s_root, "Dockerfile"));

    [Fact]
    public void Port_FlyInternalPort_FlyEnv_DockerEnv_AndExposeAgree()
    {
        var port = Toml("internal_port");
        Assert.Equal(port, Toml("PORT"));
        Assert.Equal(port, DockerEnv("PORT"));
        Assert.Matches($@"(?m)^EXPOSE {port}$", s_dockerfile);
    }

    [Fact]
    public void HealthCheck_PointsAtTheServersHealthRoute()
    {
        Assert.Equal(HealthEndpoints.Route, Toml("path"));
    }

    [Fact]
    public void KillTimeout_CoversTheDrainAndTheLastCloses()
    {
        var drain = int.Parse(Toml("DRAIN_TIMEOUT"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(drain.ToString(System.Globalization.CultureInfo.InvariantCulture), DockerEnv("DRAIN_TIMEOUT"));
        // The host allows DRAIN_TIMEOUT + 15 s for the drain plus the final close handshakes.
        Assert.True(int.Parse(Toml("kill_timeout"), System.Globalization.CultureInfo.InvariantCulture) >= drain + 15);
        Assert.Equal("SIGTERM", Toml("kill_signal"));
    }

    [Fact]
    public void Concurrency_HardLimitIsMaxConcurrentCalls()
    {
        Assert.Equal("connections", Toml("type"));
        Assert.Equal(Toml("MAX_CONCURRENT_CALLS"), Toml("hard_limit"));
    }

    [Fact]
    public void Dockerfile_PublishesTheHost_RunsAsNonRoot()
    {
        Assert.Contains("dotnet publish src/VoiceServer/VoiceServer.csproj -c Release", s_dockerfile, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^USER app$", s_dockerfile);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""dotnet"", ""VoiceServer.dll""\]$", s_dockerfile);
    }

    [Fact]
    public void Dockerfile_CopiesEveryProjectTheHostReferences_BeforeItsRestore()
    {
        // The restore layer sees only the project files copied before it; a project missing there fails the image's
        // build (restore cannot find it, and the publish after it does not restore). Docker cannot run here.
        var beforeRestore = s_dockerfile[..s_dockerfile.IndexOf("RUN dotnet restore", StringComparison.Ordinal)];
        var pending = new Queue<string>(["src/VoiceServer/VoiceServer.csproj"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            Assert.Contains($"COPY {project} ", beforeRestore, StringComparison.Ordinal);
            var directory = Path.GetDirectoryName(project)!;
            foreach (Match reference in Regex.Matches(File.ReadAllText(Path.Combine(s_root, project)), "ProjectReference Include=\"([^\"]+)\""))
            {
                var full = Path.GetFullPath(Path.Combine(s_root, directory, reference.Groups[1].Value.Replace('\\', '/')));
                pending.Enqueue(Path.GetRelativePath(s_root, full).Replace('\\', '/'));
            }
        }

        Assert.Contains("src/VoiceServer.Telnyx/VoiceServer.Telnyx.csproj", seen);
    }

    private static string Toml(string key)
    {
        var match = Regex.Match(s_flyToml, $@"(?m)^\s*{Regex.Escape(key)}\s*=\s*""?([^""\r\n]*)""?\s*$");
        Assert.True(match.Success, $"fly.toml has no {key}");
        return match.Groups[1].Value.Trim();
    }

    private static string DockerEnv(string name)
    {
        var match = Regex.Match(s_dockerfile, $@"\b{Regex.Escape(name)}=(\S*)");
        Assert.True(match.Success, $"Dockerfile sets no {name}");
        return match.Groups[1].Value;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VoiceServer.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("VoiceServer.slnx not found above the test's directory.");
    }
}
