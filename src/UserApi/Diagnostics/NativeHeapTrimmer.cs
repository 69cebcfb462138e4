using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace UserApi.Diagnostics;

/// <summary>
/// Hands the C heap's free pages back to the system every <see cref="Interval"/> (glibc's
/// <c>malloc_trim</c>). glibc gives each thread that allocates natively an arena of its own and returns an
/// arena's memory to the system only from its top, so what the runtime, the JIT and OpenSSL allocated and
/// freed on the thread pool's threads stays resident: about 9 MB after the benchmark's scenarios
/// (bench/RESULTS.md). A trim holds each arena's lock briefly; <c>GET /user/info</c> measured no cost.
/// </summary>
/// <remarks>Off glibc (musl, other systems) the first attempt finds no <c>malloc_trim</c> and the trimmer stops.</remarks>
internal sealed class NativeHeapTrimmer(TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // Counting from construction, so a tick due before ExecuteAsync gets going (.NET runs it on a thread of
    // its own) is not lost.
    private readonly PeriodicTimer _timer = new(Interval, time);

    /// <summary>Trims the C heap; false when there is no glibc to trim.</summary>
    internal Func<bool> Trim { get; init; } = TrimGlibcHeap;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await _timer.WaitForNextTickAsync(stoppingToken) && Trim())
        {
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }

    internal static bool TrimGlibcHeap()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: a blittable signature needs no generated marshalling (nor unsafe code).
    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern int malloc_trim(nuint pad);
}
