using BenchmarkDotNet.Running;

// Micro-benchmarks of the hot paths: dotnet run -c Release --project bench/Micro -- --filter '*' --job short
BenchmarkSwitcher.FromAssembly(typeof(TokenBenchmarks).Assembly).Run(args);
