using System.Diagnostics;
using BenchmarkDotNet.Running;
using IamDb.Federation.Benchmarks;

if (args is ["--profile", var which, var secondsText] && int.TryParse(secondsText, out var seconds) && seconds is > 0 and <= 120)
{
    // A bounded loop of one benchmark for a sampling profiler (perf with DOTNET_PerfMapEnabled=1), no BenchmarkDotNet.
    Func<bool> run = which switch
    {
        "saml" => Saml().Verify,
        "webidentity" => WebIdentity().ReadAndVerify,
        _ => throw new ArgumentException("--profile saml|webidentity SECONDS"),
    };
    // One line per second of wall time, so the JIT's tiering shows and the steady state can be read off the end.
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < seconds)
    {
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var calls = 0L;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (watch.Elapsed.TotalSeconds < 1 && calls < 10_000_000)
        {
            if (!run())
            {
                throw new InvalidOperationException("verification failed");
            }

            calls++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine(
            $"{which}: {calls} calls, {watch.Elapsed.TotalMicroseconds / calls:F1} µs/call wall, {cpuUsed.TotalMicroseconds / calls:F1} µs/call CPU (all threads), {allocated / (double)calls:F0} B/call");
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(SamlVerifierBenchmarks).Assembly).Run(args);

static SamlVerifierBenchmarks Saml()
{
    var benchmarks = new SamlVerifierBenchmarks();
    benchmarks.Setup();
    return benchmarks;
}

static WebIdentityVerifierBenchmarks WebIdentity()
{
    var benchmarks = new WebIdentityVerifierBenchmarks();
    benchmarks.Setup();
    return benchmarks;
}
