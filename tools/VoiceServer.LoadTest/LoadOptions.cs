using System.Net.Security;
using System.Reflection;

namespace VoiceServer.LoadTest;

/// <summary>The command line.</summary>
internal sealed class LoadOptions
{
    public string? ServerDll { get; set; }

    public Uri? Url { get; set; }

    public IReadOnlyList<int> CallCounts { get; set; } = [100];

    /// <summary>Whose callers play against the product (<c>--provider</c>), in this order; Twilio's alone by default.</summary>
    public IReadOnlyList<CallerProtocol> Providers { get; set; } = [CallerProtocol.Twilio];

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(20);

    public bool Floor { get; set; } = true;

    /// <summary>The Node.js relay built like Twilio's quickstart, beside the product (<c>--no-node</c> leaves it out).</summary>
    public bool Node { get; set; } = true;

    /// <summary>Where <c>relay.js</c> and its installed <c>ws</c> are (<c>--node-relay</c>); the source folder by default.</summary>
    public string NodeRelayDirectory { get; set; } =
        typeof(LoadOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NodeRelayDirectory").Value!;

    public bool Ramp { get; set; }

    public double P99BoundMs { get; set; } = 20;

    public string? JsonPath { get; set; }

    /// <summary>Both relays with Workstation GC instead of Server GC (memory against CPU).</summary>
    public bool WorkstationGc { get; set; }

    /// <summary>The echo peer's port (<c>--echo-port</c>); a free one when null.</summary>
    public int? EchoPort { get; set; }

    /// <summary>The echo peer's listening address (<c>--echo-host</c>): 0.0.0.0 when a server elsewhere must reach it.</summary>
    public string EchoHost { get; set; } = "127.0.0.1";

    /// <summary>
    /// <c>--insecure</c>: a <c>wss://</c> server's certificate is taken unchecked (a staging server with a self-signed
    /// one), as <c>curl -k</c> does.
    /// </summary>
    public bool AcceptAnyCertificate { get; set; }

#pragma warning disable CA5359 // Only with --insecure, which the operator asks for by name (a test server's own certificate).
    public RemoteCertificateValidationCallback? CertificateValidation => AcceptAnyCertificate ? static (_, _, _, _) => true : null;
#pragma warning restore CA5359

    /// <summary>Probe calls made one after another on the idle relay, before the steps (<c>--setup-probes</c>).</summary>
    public int SetupProbes { get; set; } = 40;

    /// <summary>More environment for both relays alike (<c>--relay-env NAME=VALUE</c>): runtime settings to compare.</summary>
    public Dictionary<string, string> RelayEnvironment { get; } = [];

    /// <summary>What both relays run with: the GC mode, then <see cref="RelayEnvironment"/>.</summary>
    public IReadOnlyDictionary<string, string> RelayRuntime =>
        new Dictionary<string, string>(RelayEnvironment) { ["DOTNET_gcServer"] = WorkstationGc ? "0" : "1" };
}
