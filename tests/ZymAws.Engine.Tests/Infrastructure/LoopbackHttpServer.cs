using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ZymAws.Engine.Tests.Infrastructure;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (a TcpListener on a free port, one connection per request): accepts
/// connections, reads each request and hands it to the derived class, which answers and closes the connection.
/// Disposing stops the listener and closes every connection still open.
/// </summary>
public abstract class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = new();
    private readonly Task _acceptLoop;

    private protected LoopbackHttpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>e.g. "http://127.0.0.1:40001".</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Cancelled when the server is disposed.</summary>
    private protected CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        DisposeResources();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Answers one request. Must end the connection (<see cref="RawHttp.Close"/>, <see cref="RawHttp.Reset"/> or
    /// Dispose); if it throws, the connection is disposed.
    /// </summary>
    private protected abstract Task HandleAsync(TcpClient client, NetworkStream stream, RawHttpRequest request);

    /// <summary>Releases what the derived class owns, after the accept loop has stopped.</summary>
    private protected virtual void DisposeResources()
    {
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _clients.Add(client);
            _ = Task.Run(() => HandleConnectionAsync(client));
        }
    }

    private async Task HandleConnectionAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var request = await RawHttp.ReadRequestAsync(stream, _stop.Token);
            if (request is null)
            {
                client.Dispose();
                return;
            }

            await HandleAsync(client, stream, request);
        }
        catch (Exception)
        {
            client.Dispose();
        }
    }
}
