using System.Diagnostics;
using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace UserApi.Tests.Support;

/// <summary>A redis-server of one test's own on a free loopback port, to stop, freeze and restart.</summary>
public sealed partial class RedisServerProcess : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    private Process _process;

    private RedisServerProcess(int port)
    {
        Port = port;
        _process = Launch(port);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync()
    {
        var server = new RedisServerProcess(ServiceProcess.FreePort());
        await server.WaitUntilUpAsync();
        return server;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open but nothing answers, as in a network partition.</summary>
    public void Freeze() => Check(Kill(_process.Id, SigStop));

    public void Thaw() => Check(Kill(_process.Id, SigCont));

    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        _process.Dispose();
        _process = Launch(Port);
        await WaitUntilUpAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, SigCont);
        }
        await StopAsync();
        _process.Dispose();
    }

    private static Process Launch(int port)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--port", port.ToString(), "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed. Run scripts/test.sh, which installs it.", e);
        }
    }

    private async Task WaitUntilUpAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{Host},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"redis-server on {Host} did not start.");
    }

    private static void Check(int result)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"kill() failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
