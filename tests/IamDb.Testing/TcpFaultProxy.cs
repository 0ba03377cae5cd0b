using System.Net;
using System.Net.Sockets;

namespace IamDb.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards bytes to one target and injects the network's failures on demand: reset every
/// open connection (<see cref="DropAll"/>), refuse new ones (<see cref="Refusing"/>), cut a connection mid-statement once
/// a number of client bytes has passed (<see cref="CutAfter"/>), and delay every chunk (<see cref="Delay"/>). It never
/// reads the bytes, so TLS between the two ends works through it. Put it between the broker and PostgreSQL (the store or
/// a cluster) by giving the broker <see cref="Host"/> and <see cref="Port"/>.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Link> _links = [];
    private readonly object _gate = new();
    private readonly Task _acceptLoop;
    private long? _cutBudget; // guarded by _gate
    private long _accepted;
    private long _resets;
    private long _cuts;
    private long _delayTicks;
    private volatile bool _refusing;

    private TcpFaultProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Always loopback.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The port the proxy listens on.</summary>
    public int Port { get; }

    /// <summary>Connections accepted so far (refused ones included).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections reset by <see cref="DropAll"/> or refused while <see cref="Refusing"/>.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>Connections cut mid-stream by <see cref="CutAfter"/>.</summary>
    public long Cuts => Interlocked.Read(ref _cuts);

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _links.Count;
            }
        }
    }

    /// <summary>Added before each chunk is forwarded, in both directions (zero: none).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>While true, every new connection is reset as soon as it is accepted: the server looks down.</summary>
    public bool Refusing
    {
        get => _refusing;
        set => _refusing = value;
    }

    /// <summary>Starts a proxy to <paramref name="targetHost"/>:<paramref name="targetPort"/> (an IP address).</summary>
    public static TcpFaultProxy Start(string targetHost, int targetPort) => new(new IPEndPoint(IPAddress.Parse(targetHost), targetPort));

    /// <summary>Resets (TCP RST) every open connection at once.</summary>
    public void DropAll()
    {
        List<Link> links;
        lock (_gate)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            if (link.Abort())
            {
                Interlocked.Increment(ref _resets);
            }
        }
    }

    /// <summary>
    /// Arms one cut: the next <paramref name="bytes"/> bytes clients send (over all connections) are forwarded, and the
    /// connection that carries the byte after them forwards only its share of the chunk and is then reset — a statement
    /// (or a TLS record) torn in the middle. Fires once; arm again for another.
    /// </summary>
    public void CutAfter(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            _cutBudget = bytes;
        }
    }

    /// <summary>Removes every fault: no delay, no refusal, no armed cut (open connections stay).</summary>
    public void Heal()
    {
        Delay = TimeSpan.Zero;
        Refusing = false;
        lock (_gate)
        {
            _cutBudget = null;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        DropAll();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        if (_refusing)
        {
            Interlocked.Increment(ref _resets);
            Reset(client);
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception)
        {
            // The target itself is down: the client sees what it would see without the proxy, a reset.
            server.Dispose();
            Reset(client);
            return;
        }

        var link = new Link(client, server, _stop.Token);
        lock (_gate)
        {
            _links.Add(link);
        }

        try
        {
            await Task.WhenAll(PumpAsync(link, client, server, fromClient: true), PumpAsync(link, server, client, fromClient: false));
        }
        finally
        {
            lock (_gate)
            {
                _links.Remove(link);
            }

            link.Abort();
            link.Dispose();
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to, bool fromClient)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, link.Token);
                if (read == 0)
                {
                    // Orderly close: pass the FIN on and let the other direction finish.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (Delay is { Ticks: > 0 } delay)
                {
                    await Task.Delay(delay, link.Token);
                }

                var forward = read;
                var cut = fromClient && TakeCut(read, out forward);
                var sent = 0;
                while (sent < forward)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, forward - sent), SocketFlags.None, link.Token);
                }

                if (cut)
                {
                    Interlocked.Increment(ref _cuts);
                    link.Abort();
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // One direction failed: the connection is over in both.
            link.Abort();
        }
    }

    private bool TakeCut(int read, out int forward)
    {
        lock (_gate)
        {
            forward = read;
            if (_cutBudget is not { } budget)
            {
                return false;
            }

            if (read <= budget)
            {
                _cutBudget = budget - read;
                return false;
            }

            _cutBudget = null;
            forward = (int)budget;
            return true;
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, not FIN
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
    }

    private sealed class Link(Socket client, Socket server, CancellationToken stop) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        private int _aborted;

        public CancellationToken Token => _cts.Token;

        /// <summary>Resets both sockets; true the first time.</summary>
        public bool Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) != 0)
            {
                return false;
            }

            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            Reset(client);
            Reset(server);
            return true;
        }

        public void Dispose() => _cts.Dispose();
    }
}
