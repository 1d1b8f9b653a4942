using System.Globalization;
using VoiceServer.LoadTest;

// voice-load --server-dll <VoiceServer.dll> [--calls 50] [--seconds 15]
string? serverDll = null;
var calls = 50;
var seconds = 15;
for (var i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--server-dll":
            serverDll = args[i + 1];
            break;
        case "--calls":
            calls = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--seconds":
            seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (serverDll is null || !File.Exists(serverDll))
{
    Console.Error.WriteLine("usage: voice-load --server-dll <path to VoiceServer.dll (Release)> [--calls 50] [--seconds 15]");
    return 2;
}

using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 120));
return await LoadRun.RunAsync(serverDll, calls, TimeSpan.FromSeconds(seconds), Console.Out, cancellation.Token);
