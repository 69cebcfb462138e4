using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UserApi.Tests.Support;

/// <summary>The built service as a real process (<c>dotnet user-api.dll</c>), for what only a process shows: exit codes, ports, start-up time.</summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The process id, for signals (SIGHUP).</summary>
    public int Id => _process.Id;

    /// <summary>
    /// The service, with the tests' <c>Mfa.EncryptionKey</c> unless <paramref name="environment"/> sets one: a process
    /// runs in Production, which refuses to start without it, and only the tests of that refusal are about it.
    /// </summary>
    public static ServiceProcess Start(IEnumerable<string> args, IDictionary<string, string> environment, string workingDirectory) =>
        Start(Path.Combine(AppContext.BaseDirectory, "user-api.dll"), args, WithMfaKey(environment), workingDirectory);

    /// <summary>The environment with a test <c>Mfa.EncryptionKey</c> unless it names one: outside Development the service needs it.</summary>
    private static Dictionary<string, string> WithMfaKey(IDictionary<string, string> environment) =>
        new(environment) { [MfaKeyVariable] = environment.TryGetValue(MfaKeyVariable, out var key) ? key : UserApiFactory.MfaEncryptionKey };

    public const string MfaKeyVariable = "UserApi__Mfa__EncryptionKey";

    /// <summary>A command of the service that reads its standard input (<c>user add</c>'s password): <paramref name="input"/>, then end of file.</summary>
    public static ServiceProcess StartWithInput(IEnumerable<string> args, IDictionary<string, string> environment, string workingDirectory, string input) =>
        Start(Path.Combine(AppContext.BaseDirectory, "user-api.dll"), args, WithMfaKey(environment), workingDirectory, input);

    /// <summary>Another built ASP.NET Core application, started the same way (the samples).</summary>
    public static ServiceProcess Start(string assembly, IEnumerable<string> args, IDictionary<string, string> environment, string workingDirectory, string? input = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("DOTNET_ENVIRONMENT") || k.StartsWith("UserApi__")).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        return new ServiceProcess(process);
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do.</summary>
    public void Terminate()
    {
        const int SigTerm = 15;
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill() failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}.");
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Polls until the URL answers 200; returns how long that took from now.</summary>
    public async Task<TimeSpan> WaitUntilHealthyAsync(string url, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                if ((await client.GetAsync(url)).StatusCode == HttpStatusCode.OK)
                {
                    return stopwatch.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
                // One attempt outlived the client's timeout (a starting process under the parallel suite's
                // load): that is "not yet", like a refused connection; the overall timeout still applies.
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"{url} did not answer 200 within {timeout}:\n{Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
