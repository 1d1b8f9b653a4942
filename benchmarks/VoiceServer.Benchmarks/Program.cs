#if DEBUG
Console.Error.WriteLine("Benchmarks measure nothing useful in Debug: run with -c Release.");
return 1;
#else
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
#endif
