using System.Collections.Concurrent;

namespace IamDb.Postgres.Credentials;

/// <summary>A fresh password and its SCRAM verifier, handed out once.</summary>
internal sealed record ScramSecret(string Password, string Verifier);

/// <summary>
/// Passwords with their verifiers made ahead of time by one background thread, 16 at a time
/// (<see cref="ScramVerifier.CreateMany"/>), so that issuance neither waits for PBKDF2 nor pays its one-at-a-time price.
/// About <c>capacity</c> wait here (a batch is always made whole). The thread starts with the first request, fills the pool, and sleeps until it has
/// dropped a batch below full, so a steady trickle of requests wakes it once per batch rather than once per request.
/// Each secret is taken once and never reused; one that a cancelled request took is simply dropped.
/// </summary>
internal sealed class ScramSecretPool : IDisposable
{
    private const int Batch = Sha256Lanes.Lanes;

    private readonly int _iterations;
    private readonly int _capacity;
    // Taking one that leaves this many or fewer wakes the thread: a batch below full.
    private readonly int _lowWater;
    private readonly ConcurrentQueue<ScramSecret> _ready = new();
    // Counts the secrets in _ready: a taker first acquires one, then dequeues it.
    private readonly SemaphoreSlim _available = new(0);
    private readonly ManualResetEventSlim _refill = new(false, spinCount: 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _startLock = new();
    private Thread? _filler;
    private Exception? _failure;

    /// <param name="iterations">PBKDF2 iterations of the verifiers.</param>
    /// <param name="capacity">How many secrets the thread keeps ready; it makes a batch while fewer wait.</param>
    public ScramSecretPool(int iterations, int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _iterations = iterations;
        _capacity = capacity;
        _lowWater = Math.Max(0, capacity - Batch);
    }

    /// <summary>The next secret; waits for the batch being made when none is ready.</summary>
    public async ValueTask<ScramSecret> TakeAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        if (Volatile.Read(ref _filler) is null)
        {
            Start();
        }

        if (!_available.Wait(0, ct))
        {
            // None ready: the thread is making a batch or is about to (this wakes it if it sleeps).
            _refill.Set();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            try
            {
                await _available.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw _failure is null
                    ? new ObjectDisposedException(nameof(ScramSecretPool))
                    : new InvalidOperationException("The SCRAM secret pool stopped.", _failure);
            }
        }

        _ready.TryDequeue(out var secret); // Always there: the count said so.
        if (_available.CurrentCount <= _lowWater)
        {
            _refill.Set();
        }

        return secret!;
    }

    /// <summary>Stops the thread; what waits in the pool is dropped.</summary>
    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }
    }

    private void Start()
    {
        lock (_startLock)
        {
            if (_filler is not null)
            {
                return;
            }

            _filler = new Thread(Fill) { IsBackground = true, Name = "IamDb SCRAM secrets" };
            _filler.Start();
        }
    }

    private void Fill()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // Reset before looking at the count: a taker that lowers it afterwards sets the event again.
                _refill.Reset();
                while (_available.CurrentCount < _capacity && !_stop.IsCancellationRequested)
                {
                    var passwords = new string[Batch];
                    for (var i = 0; i < Batch; i++)
                    {
                        passwords[i] = PostgresClusterAdministration.NewPassword();
                    }

                    var verifiers = ScramVerifier.CreateMany(passwords, _iterations);
                    for (var i = 0; i < Batch; i++)
                    {
                        _ready.Enqueue(new ScramSecret(passwords[i], verifiers[i]));
                    }

                    _available.Release(Batch);
                }

                _refill.Wait(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            // Not expected (PBKDF2 on random input does not fail); waiting requests see the failure instead of hanging.
            _failure = e;
            _stop.Cancel();
        }
    }
}
