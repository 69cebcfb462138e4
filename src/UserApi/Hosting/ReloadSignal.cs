using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using UserApi.Tokens;

namespace UserApi.Hosting;

/// <summary>
/// SIGHUP, the Unix daemon's "read your configuration again": the configuration files, then the signing keys.
/// The file watchers do the same by themselves; the signal is for where they see nothing (a network file
/// system, a key file replaced behind a symlink they do not follow).
/// </summary>
public sealed class ReloadSignal(IConfiguration configuration, SigningKeys keys) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // Handled: SIGHUP's default action would end the process.
                context.Cancel = true;
                Reload(configuration, keys);
            });
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();

    public static void Reload(IConfiguration configuration, SigningKeys keys)
    {
        (configuration as IConfigurationRoot)?.Reload();
        keys.Reload();
    }
}
