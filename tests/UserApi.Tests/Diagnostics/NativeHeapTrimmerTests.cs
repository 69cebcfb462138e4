using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using UserApi.Diagnostics;
using UserApi.Tests.Support;

namespace UserApi.Tests.Diagnostics;

public sealed class NativeHeapTrimmerTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private int _trims;

    [Fact]
    public void TheServiceRunsIt() =>
        Assert.Single(app.Services.GetServices<IHostedService>().OfType<NativeHeapTrimmer>());

    [Fact]
    public async Task TrimsOncePerInterval()
    {
        using var trimmer = new NativeHeapTrimmer(_time) { Trim = CountTrim(available: true) };
        await trimmer.StartAsync(CancellationToken.None);

        _time.Advance(NativeHeapTrimmer.Interval - TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(0, Volatile.Read(ref _trims));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref _trims) == 1), Wait);
        _time.Advance(NativeHeapTrimmer.Interval);
        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref _trims) == 2), Wait);

        await trimmer.StopAsync(CancellationToken.None);
        Assert.True(trimmer.ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task StopsAfterTheFirstAttemptWhenThereIsNoGlibc()
    {
        using var trimmer = new NativeHeapTrimmer(_time) { Trim = CountTrim(available: false) };
        await trimmer.StartAsync(CancellationToken.None);

        _time.Advance(NativeHeapTrimmer.Interval);
        await Poll.UntilAsync(() => Task.FromResult(trimmer.ExecuteTask!.IsCompleted), Wait);
        _time.Advance(NativeHeapTrimmer.Interval * 3);
        await Task.Delay(100);

        Assert.Equal(1, Volatile.Read(ref _trims));
        Assert.True(trimmer.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public void TrimsThisMachinesCHeapWhenItIsGlibc()
    {
        var glibc = OperatingSystem.IsLinux() && !RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);

        Assert.Equal(glibc, NativeHeapTrimmer.TrimGlibcHeap());
    }

    private Func<bool> CountTrim(bool available) => () =>
    {
        Interlocked.Increment(ref _trims);
        return available;
    };
}
