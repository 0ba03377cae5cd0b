using System.Runtime.InteropServices;

namespace IamDb.Cli.Commands.Server;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM as a cancellation token, handled from the first line of <c>Main</c>. System.CommandLine's
/// own handler is registered only once the command first yields, which for <c>iamdb server</c> on SQLite is after its
/// ready lines: a SIGTERM in that window met .NET's default handling and killed the process (exit 143) instead of
/// stopping the broker gracefully. A command that has not finished <see cref="_grace"/> after the signal is ended with
/// the signal's exit code (130 or 143), and a second signal ends it at once.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly TimeSpan _grace;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _received;

    public TerminationSignals(TimeSpan grace)
    {
        _grace = grace;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // The default handling stays: the process ends on the signal.
            }
        }
    }

    /// <summary>Cancelled on the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancel.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The command stops itself (the broker drains, stops its cluster, flushes the audit log) and Main returns its code.
        context.Cancel = true;
        var exitCode = context.Signal == PosixSignal.SIGINT ? 130 : 143;
        if (Interlocked.Increment(ref _received) > 1)
        {
            Environment.Exit(exitCode);
        }

        _ = Task.Delay(_grace).ContinueWith(_ => Environment.Exit(exitCode), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        // Off the signal thread: the token's callbacks run the command's shutdown up to its first await.
        _ = Task.Run(() =>
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Main already returned.
            }
        });
    }
}
