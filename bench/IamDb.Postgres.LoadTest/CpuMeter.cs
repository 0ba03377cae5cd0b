using System.Diagnostics;
using System.Globalization;

namespace IamDb.Postgres.LoadTest;

/// <summary>
/// CPU time spent by this process and by the machine's <c>postgres</c> processes (the throwaway server is the only one a
/// benchmark machine runs), so that a run can say where each credential's CPU went. Linux only; elsewhere it reads zero.
/// </summary>
internal readonly record struct CpuMeter(TimeSpan Self, TimeSpan Postgres)
{
    // Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux this runs on).
    private const double TicksPerSecond = 100;

    public static CpuMeter Read() => new(Process.GetCurrentProcess().TotalProcessorTime, PostgresTime());

    public static CpuMeter operator -(CpuMeter a, CpuMeter b) => new(a.Self - b.Self, a.Postgres - b.Postgres);

    private static TimeSpan PostgresTime()
    {
        if (!Directory.Exists("/proc"))
        {
            return TimeSpan.Zero;
        }

        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid ...: comm may hold spaces, so fields are counted after its closing parenthesis.
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != "postgres")
                {
                    continue;
                }

                var fields = stat[(close + 2)..].Split(' ');
                // After the comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14). A backend that exits moves
                // its time into the postmaster's cutime/cstime, so summing all four keeps the total steady.
                for (var i = 11; i <= 14; i++)
                {
                    ticks += double.Parse(fields[i], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while it was read, or is not readable.
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
