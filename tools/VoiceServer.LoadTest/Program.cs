using VoiceServer.LoadTest;

var (command, error) = LoadCommandLine.Parse(args);
if (command is null)
{
    if (error is null)
    {
        LoadCommandLine.WriteHelp(Console.Out);
        return 0;
    }

    Console.Error.WriteLine($"voice-load: {error}");
    Console.Error.WriteLine("Run voice-load --help for the options.");
    return 2;
}

var options = command.Options;
if (command.Mode == LoadMode.Floor)
{
    return await FloorRelay.RunAsync(command.Port!.Value, command.Upstream!, CancellationToken.None);
}

if (command.Mode == LoadMode.Echo)
{
    return await EchoRealtimeServer.RunAsync(command.Port!.Value, command.Host, CancellationToken.None);
}

// The callers' receive handlers are a few microseconds and never block: run socket completions inline on the event
// thread rather than hopping to the thread pool. The runtime reads the switch only at start-up, so the generator
// runs itself again with it set.
if (Environment.GetEnvironmentVariable(ServerProcess.InlineCompletionsVariable) != "1")
{
    var self = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(LoadRun).Assembly.Location, .. args]);
    self.Environment[ServerProcess.InlineCompletionsVariable] = "1";
    using var generator = System.Diagnostics.Process.Start(self)!;
    // Stopping this process stops the run: the generator, and the relays and echo peer it started, go with it.
    using var stop = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM,
        context =>
        {
            context.Cancel = true;
            generator.Kill(entireProcessTree: true);
        });
    await generator.WaitForExitAsync();
    return generator.ExitCode;
}

using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(60));
if (options.Url is not null)
{
    return await LoadRun.RunRemoteAsync(options, Console.Out, cancellation.Token);
}

if (!File.Exists(options.ServerDll))
{
    Console.Error.WriteLine($"voice-load: --server-dll {options.ServerDll} does not exist: build the voice server in Release first (dotnet build src/VoiceServer -c Release).");
    return 2;
}

return await LoadRun.RunLocalAsync(options, Console.Out, cancellation.Token);
