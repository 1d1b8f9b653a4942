using VoiceServer.LoadTest;

namespace VoiceServer.Tests.Tools;

/// <summary>voice-load's flags, read through System.CommandLine: each one lands where it did before, and bad input is a usage error naming it.</summary>
public sealed class LoadCommandLineTests
{
    [Fact]
    public void EveryRunFlag_LandsInItsOption()
    {
        var (command, error) = LoadCommandLine.Parse(
        [
            "--server-dll", "VoiceServer.dll", "--provider", "twilio,plivo", "--calls", "20,50", "--seconds", "3", "--no-floor", "--no-node",
            "--node-relay", "relay", "--ramp", "--p99-ms", "12.5", "--workstation-gc", "--relay-env", "DOTNET_TieredPGO=0",
            "--relay-env", "A=b=c", "--setup-probes", "3", "--json", "out.json", "--echo-port", "9100", "--echo-host", "0.0.0.0", "--insecure",
        ]);

        Assert.Null(error);
        Assert.Equal(LoadMode.Run, command!.Mode);
        var options = command.Options;
        Assert.Equal("VoiceServer.dll", options.ServerDll);
        Assert.Equal(["twilio", "plivo"], options.Providers.Select(protocol => protocol.Name));
        Assert.Equal([20, 50], options.CallCounts);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Duration);
        Assert.False(options.Floor);
        Assert.False(options.Node);
        Assert.Equal(Path.GetFullPath("relay"), options.NodeRelayDirectory);
        Assert.True(options.Ramp);
        Assert.Equal(12.5, options.P99BoundMs);
        Assert.True(options.WorkstationGc);
        Assert.Equal(new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0", ["A"] = "b=c" }, options.RelayEnvironment);
        Assert.Equal(3, options.SetupProbes);
        Assert.Equal("out.json", options.JsonPath);
        Assert.Equal(9100, options.EchoPort);
        Assert.Equal("0.0.0.0", options.EchoHost);
        Assert.True(options.AcceptAnyCertificate);
    }

    [Fact]
    public void JustTheServer_TheDefaults()
    {
        var (command, _) = LoadCommandLine.Parse(["--server-dll", "VoiceServer.dll"]);

        var (options, defaults) = (command!.Options, new LoadOptions());
        Assert.Equal(defaults.CallCounts, options.CallCounts);
        Assert.Equal(defaults.Providers, options.Providers);
        Assert.Equal(defaults.Duration, options.Duration);
        Assert.Equal((true, true, false), (options.Floor, options.Node, options.Ramp));
        Assert.Equal(defaults.SetupProbes, options.SetupProbes);
        Assert.Equal(defaults.NodeRelayDirectory, options.NodeRelayDirectory);
    }

    [Fact]
    public void TheHelpersTheToolStarts_ParseAsItStartsThem()
    {
        var (floor, _) = LoadCommandLine.Parse(["--floor", "--port", "9200", "--upstream", "ws://127.0.0.1:9100/v1/realtime"]);
        var (echo, _) = LoadCommandLine.Parse(["--echo", "--port", "9100", "--host", "0.0.0.0"]);

        Assert.Equal((LoadMode.Floor, 9200, new Uri("ws://127.0.0.1:9100/v1/realtime")), (floor!.Mode, floor.Port, floor.Upstream));
        Assert.Equal((LoadMode.Echo, 9100, "0.0.0.0"), (echo!.Mode, echo.Port, echo.Host));
    }

    [Fact]
    public void Help_IsNeitherACommandNorAnError_AndListsTheFlags()
    {
        using var output = new StringWriter();

        LoadCommandLine.WriteHelp(output);

        Assert.Equal((null, null), LoadCommandLine.Parse(["--help"]));
        foreach (var flag in new[] { "--server-dll", "--url", "--provider", "--calls", "--seconds", "--no-node", "--relay-env", "--setup-probes", "--json", "--insecure" })
        {
            Assert.Contains(flag, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", "--server-dll")]
    [InlineData("--server-dll a --bogus", "'--bogus'")]
    [InlineData("--server-dll a --provider sip", "--provider takes one or more of twilio, telnyx, plivo, vonage")]
    [InlineData("--server-dll a --provider twilio,twilio", "each once")]
    [InlineData("--server-dll a --calls 10,x", "--calls takes whole numbers")]
    [InlineData("--server-dll a --calls 0", "--calls takes whole numbers")]
    [InlineData("--server-dll a --seconds -1", "--seconds takes a whole number")]
    [InlineData("--server-dll a --relay-env =x", "--relay-env takes NAME=VALUE")]
    [InlineData("--url http://localhost:8080/api/twilio/media-stream", "--url must be an absolute ws:// or wss:// URL")]
    [InlineData("--floor --port 9200", "--floor needs --port and --upstream")]
    [InlineData("--echo", "--echo needs --port")]
    public void BadInput_IsAUsageError_NamingIt(string arguments, string error)
    {
        var (command, problem) = LoadCommandLine.Parse(arguments.Length == 0 ? [] : arguments.Split(' '));

        Assert.Null(command);
        Assert.Contains(error, problem, StringComparison.Ordinal);
    }
}
