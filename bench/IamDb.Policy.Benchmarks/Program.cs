using System.Diagnostics;
using BenchmarkDotNet.Running;
using IamDb.Policy.Benchmarks;

if (args is ["--quick"])
{
    // A smoke measurement without BenchmarkDotNet: best of 7 rounds, ns per call.
    var benchmarks = new AuthorizeBenchmarks();
    benchmarks.Setup();
    foreach (var (name, run) in new (string, Action)[]
             {
                 ("Small", () => benchmarks.Small()),
                 ("Realistic", () => benchmarks.Realistic()),
                 ("RealisticWithBoundaryAndGuardrail", () => benchmarks.RealisticWithBoundaryAndGuardrail()),
                 ("Large", () => benchmarks.Large()),
             })
    {
        const int Calls = 200_000;
        var best = double.MaxValue;
        for (var round = 0; round < 7; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Calls; i++)
            {
                run();
            }

            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / Calls);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 6)
            {
                Console.WriteLine($"{name,-36} {best,8:F1} ns/op  {allocated / (double)Calls,6:F1} B/op");
            }
        }
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(AuthorizeBenchmarks).Assembly).Run(args);
