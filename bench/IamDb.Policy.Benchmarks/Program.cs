using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(IamDb.Policy.Benchmarks.AuthorizeBenchmarks).Assembly).Run(args);
