using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

/// <summary>
/// The login storm of issue 25: many connections of correct logins, each sent again as soon as the last is
/// answered (whatever the answer, Retry-After ignored: the worst client), with a few connections of
/// <c>GET /user/info</c> beside them on the same server. Latencies are the client's, per status, so that
/// the logins answered 200 and the ones shed with 503 are told apart; the server's RSS is sampled throughout.
/// First the same <c>GET /user/info</c> load runs alone, for the calm figures to compare with.
/// </summary>
internal static class Storm
{
    public static async Task<int> RunAsync(string url, string tokensFile, int loginConnections, int infoConnections, int seconds, int serverPid)
    {
        var users = File.ReadAllLines(tokensFile).Select(line => line.Split(' ')).Select(f => (Access: f[0], Name: f[2])).ToArray();
        using var logins = Client(url, loginConnections);
        using var infos = Client(url, infoConnections);

        var calmSeconds = Math.Max(1, seconds / 3);
        var calm = await RunLoopsAsync(infoConnections, calmSeconds, i => Info(infos, users[i % users.Length].Access));

        using var rss = new RssSampler(serverPid);
        var rssBefore = rss.Current();
        var storm = RunLoopsAsync(loginConnections, seconds, i => Login(logins, users[i % users.Length].Name));
        var beside = RunLoopsAsync(infoConnections, seconds, i => Info(infos, users[i % users.Length].Access));
        var (loginResults, infoResults) = (await storm, await beside);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            seconds,
            login_connections = loginConnections,
            info_connections = infoConnections,
            calm_info = Summary(calm, calmSeconds),
            info = Summary(infoResults, seconds),
            logins = loginResults.GroupBy(r => r.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key == 0 ? "error" : g.Key.ToString(), g => Summary([.. g], seconds)),
            rss_mb_before = rssBefore,
            rss_mb_max = rss.Max,
        }));
        return 0;
    }

    private static HttpClient Client(string url, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(60),
        };

    private static Func<Task<int>> Login(HttpClient client, string username) => async () =>
    {
        using var content = new StringContent($$"""{"username":"{{username}}","password":"Bench-password-1"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/user/login", content);
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    };

    private static Func<Task<int>> Info(HttpClient client, string accessToken) => async () =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/user/info");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {accessToken}");
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return (int)response.StatusCode;
    };

    private readonly record struct Result(int Status, double Milliseconds);

    /// <summary>CONNECTIONS loops, each sending its next request when the last is answered, until SECONDS have passed.</summary>
    private static async Task<List<Result>> RunLoopsAsync(int connections, int seconds, Func<int, Func<Task<int>>> requestOf)
    {
        var deadline = Stopwatch.GetTimestamp() + seconds * Stopwatch.Frequency;
        var loops = Enumerable.Range(0, connections).Select(async loop =>
        {
            var results = new List<Result>();
            for (var i = loop; Stopwatch.GetTimestamp() < deadline; i += connections)
            {
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    status = await requestOf(i)();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    status = 0;
                }
                results.Add(new Result(status, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            return results;
        }).ToList();
        return [.. (await Task.WhenAll(loops)).SelectMany(r => r)];
    }

    private static object Summary(List<Result> results, int seconds)
    {
        var sorted = results.Select(r => r.Milliseconds).Order().ToArray();
        double At(double quantile) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))], 2);
        return new
        {
            count = sorted.Length,
            per_second = Math.Round(sorted.Length / (double)seconds, 1),
            p50_ms = At(0.50),
            p99_ms = At(0.99),
            max_ms = sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 2),
            not_200 = results.Count(r => r.Status != (int)HttpStatusCode.OK),
        };
    }

    /// <summary>The server's resident memory, read from /proc every 100 ms; the largest reading is kept.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly int _pid;
        private readonly Timer _timer;
        private long _max;

        public RssSampler(int pid)
        {
            _pid = pid;
            _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        }

        public long Max => Interlocked.Read(ref _max);

        public long Current() => File.ReadLines($"/proc/{_pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).Single();

        private void Sample()
        {
            try
            {
                var now = Current();
                long seen;
                while (now > (seen = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
                {
                }
            }
            catch (IOException)
            {
                // The server has exited: its last reading stands.
            }
        }

        public void Dispose()
        {
            _timer.Dispose();
            Sample();
        }
    }
}
