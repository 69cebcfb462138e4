using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Passwords;
using UserApi.Redis;
using UserApi.Sessions;
using UserApi.Tokens;

// Helpers of bench/run.sh (and the load of scripts/faults.sh): measurements that are not HTTP load, and the data HTTP load needs.
return args switch
{
    ["argon2", var seconds] => Argon2Rate(int.Parse(seconds)),
    ["tokens", var url, var users, var file] => await TokensAsync(url, int.Parse(users), file, identity: false),
    ["identity-tokens", var url, var users, var file] => await TokensAsync(url, int.Parse(users), file, identity: true),
    ["redis-memory", var host, var sessions] => await RedisMemoryAsync(host, int.Parse(sessions)),
    ["redis-client", var host, var seconds] => await RedisClientAsync(host, int.Parse(seconds)),
    ["hash", var password] => Print(await new PasswordHasher().HashAsync(password)),
    ["login-tokens", var url, var prefix, var count, var stride, var file] => await LoginTokensAsync(url, prefix, int.Parse(count), int.Parse(stride), file),
    ["storm", var url, var tokens, var logins, var infos, var seconds, var pid] =>
        await Storm.RunAsync(url, tokens, int.Parse(logins), int.Parse(infos), int.Parse(seconds), int.Parse(pid)),
    ["report", var raw, var output] => Report.Write(raw, output),
    ["token-cache-memory", var count] => await TokenCacheMemoryAsync(int.Parse(count)),
    ["token-cache-hit"] => await TokenCacheHitAsync(),
    ["load", var output, var stopFile, var prefix, .. var urls] when urls.Length > 0 => await Load.RunAsync(output, stopFile, prefix, urls),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bench-tools argon2 SECONDS | tokens URL USERS FILE | identity-tokens URL USERS FILE | redis-memory HOST SESSIONS | redis-client HOST SECONDS | hash PASSWORD | token-cache-memory COUNT | token-cache-hit | storm URL TOKENS LOGIN_CONNECTIONS INFO_CONNECTIONS SECONDS SERVER_PID | load OUTPUT STOP_FILE PREFIX URL...");
    return 2;
}

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}

// The raw Argon2id verify rate at the service's parameters: the library call alone, on the thread this
// runs on (pin it with taskset).
static int Argon2Rate(int seconds)
{
    var password = Encoding.UTF8.GetBytes("benchmark password");
    Span<char> buffer = stackalloc char[Geralt.Argon2id.HashSize];
    Geralt.Argon2id.ComputeHash(buffer, password, PasswordHasher.Iterations, PasswordHasher.MemoryKiB * 1024);
    var hash = new string(buffer).TrimEnd('\0');
    Geralt.Argon2id.VerifyHash(hash, password);
    var stopwatch = Stopwatch.StartNew();
    var count = 0;
    while (stopwatch.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        Geralt.Argon2id.VerifyHash(hash, password);
        count++;
    }
    Console.WriteLine(JsonSerializer.Serialize(new { verifies_per_second = count / stopwatch.Elapsed.TotalSeconds, count, seconds = stopwatch.Elapsed.TotalSeconds }));
    return 0;
}

// Registers and logs in USERS users; writes "access refresh username" lines for the wrk scripts.
static async Task<int> TokensAsync(string url, int users, string file, bool identity)
{
    using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
    var run = Guid.NewGuid().ToString("N")[..8];
    var lines = new string[users];
    await Parallel.ForEachAsync(Enumerable.Range(0, users), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
    {
        const string password = "Bench-password-1";
        var name = identity ? $"bench{run}{i}@example.com" : $"bench-{run}-{i}";
        var register = identity
            ? await client.PostAsJsonAsync("/register", new { email = name, password })
            : await client.PostAsJsonAsync("/user/register", new { username = name, password });
        register.EnsureSuccessStatusCode();
        var login = identity
            ? await client.PostAsJsonAsync("/login", new { email = name, password })
            : await client.PostAsJsonAsync("/user/login", new { username = name, password });
        login.EnsureSuccessStatusCode();
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        lines[i] = $"{tokens.GetProperty("accessToken").GetString()} {tokens.GetProperty("refreshToken").GetString()} {name}";
    });
    await File.WriteAllLinesAsync(file, lines);
    return 0;
}

// Logs in existing users PREFIX1, PREFIX(1+STRIDE), ...: tokens for the scale runs over seeded tables.
static async Task<int> LoginTokensAsync(string url, string prefix, int count, int stride, string file)
{
    using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
    var lines = new string[count];
    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
    {
        var name = $"{prefix}{1 + i * stride}";
        var login = await client.PostAsJsonAsync("/user/login", new { username = name, password = "Bench-password-1" });
        login.EnsureSuccessStatusCode();
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        lines[i] = $"{tokens.GetProperty("accessToken").GetString()} {tokens.GetProperty("refreshToken").GetString()} {name}";
    });
    await File.WriteAllLinesAsync(file, lines);
    return 0;
}

// Redis memory per session: INFO memory before and after creating SESSIONS sessions the way logins do.
static async Task<int> RedisMemoryAsync(string host, int sessions)
{
    var options = RedisConnection.Options([new RedisNodeOptions { Host = host }], "bench");
    options.AllowAdmin = true; // FLUSHDB: the measurement starts from, and leaves, an empty database
    await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
    var server = redis.GetServer(redis.GetEndPoints()[0]);
    await server.FlushDatabaseAsync();
    var before = await UsedMemoryAsync(server);
    var store = new RedisSessionStore(redis, Options.Create(new AuthOptions()));
    var now = DateTimeOffset.UtcNow;
    // A desktop Chrome user agent as browsers send it today (111 bytes).
    const string userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    // Each session is refreshed once, as a live one is: it then holds the previous refresh jti too.
    await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
    {
        var session = new Session(Ids.New(), 1_000_000 + i, Ids.New(), null, now, now, now.AddDays(7), $"203.0.{i / 256 % 256}.{i % 256}", userAgent);
        await store.CreateAsync(session, 50, CancellationToken.None);
        var rotation = await store.RotateAsync(session.UserId, session.Id, session.RefreshJti, Ids.New(), now.AddMinutes(15), new RotationPolicy(TimeSpan.FromSeconds(10), TimeSpan.Zero), CancellationToken.None);
        if (rotation.Status != RotationStatus.Rotated)
        {
            throw new InvalidOperationException($"Session {i} did not rotate: {rotation.Status}.");
        }
    });
    var after = await UsedMemoryAsync(server);
    Console.WriteLine(JsonSerializer.Serialize(new { sessions, used_memory_before = before, used_memory_after = after, bytes_per_session = (after - before) / (double)sessions, user_agent_bytes = Encoding.UTF8.GetByteCount(userAgent) }));
    await server.FlushDatabaseAsync();
    return 0;
}

// What the Redis client alone costs the service's core: 64 callers in a loop (as 64 wrk connections), first
// PING, then the session rotation a refresh makes (RedisSessionStore.RotateAsync, the same script and
// arguments). Run pinned to the server core: the rates bound what a refresh can reach there.
static async Task<int> RedisClientAsync(string host, int seconds)
{
    await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnection.Options([new RedisNodeOptions { Host = host }], "bench"));
    var store = new RedisSessionStore(redis, Options.Create(new AuthOptions()));
    var now = DateTimeOffset.UtcNow;
    var policy = new RotationPolicy(TimeSpan.FromSeconds(10), TimeSpan.Zero);
    var sessions = Enumerable.Range(0, 64).Select(i => new Session(Ids.New(), 2_000_000 + i, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "bench")).ToArray();
    foreach (var session in sessions)
    {
        await store.CreateAsync(session, 50, CancellationToken.None);
    }

    async Task<double> RateAsync(Func<int, Task> operation)
    {
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, sessions.Length).Select(async caller =>
        {
            while (stopwatch.Elapsed < until)
            {
                await operation(caller);
                Interlocked.Increment(ref count);
            }
        }));
        return Math.Round(count / stopwatch.Elapsed.TotalSeconds);
    }

    var database = redis.GetDatabase();
    await RateAsync(_ => database.PingAsync()); // warm-up
    var ping = await RateAsync(_ => database.PingAsync());
    var jtis = sessions.Select(s => s.RefreshJti).ToArray();
    async Task RotateAsync(int caller)
    {
        var next = Ids.New();
        var result = await store.RotateAsync(sessions[caller].UserId, sessions[caller].Id, jtis[caller], next, DateTimeOffset.UtcNow, policy, CancellationToken.None);
        if (result.Status != RotationStatus.Rotated)
        {
            throw new InvalidOperationException($"Rotation failed: {result.Status}.");
        }
        jtis[caller] = next;
    }
    await RateAsync(RotateAsync); // warm-up
    var rotate = await RateAsync(RotateAsync);
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        ping_per_second = ping,
        rotate_per_second = rotate,
        rotate_client_microseconds = Math.Round(1_000_000 / rotate, 1),
        command = $"bench-tools redis-client {host} {seconds}, pinned to the server core",
    }));
    return 0;
}

// What an access-token cache entry costs on the heap: COUNT tokens of each kind validated into an empty cache
// (its budget large enough for all), the heap measured after a full collection before and after; the tokens'
// strings are made beforehand and kept, as the requests' headers are not the cache's. Beside it, what the
// cache reserves against its budget for the same entries.
static async Task<int> TokenCacheMemoryAsync(int count)
{
    var options = Options.Create(new AuthOptions
    {
        AccessSecret = "bench-access-secret-0123456789abcdefghijklmnop",
        RefreshSecret = "bench-refresh-secret-0123456789abcdefghijklmnop",
        TokenCacheMegabytes = 4096,
    });
    var tokens = new TokenService(options, TimeProvider.System);
    using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    var metrics = new UserApiMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    var now = DateTimeOffset.UtcNow;
    var kinds = new Dictionary<string, string[]>
    {
        ["anonymous"] = [.. Enumerable.Range(0, count).Select(_ => tokens.IssueAnonymous().AccessToken)],
        ["registered"] = [.. Enumerable.Range(0, count).Select(i => tokens.Issue(
            new UserApi.Users.User(1_000_000 + i, $"user{i}", $"user{i}", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime),
            new Session(Ids.New(), 1_000_000 + i, Ids.New(), null, now, now, now.AddMinutes(15), "127.0.0.1", "bench")).AccessToken)],
    };
    foreach (var (kind, list) in kinds)
    {
        var cache = new AccessTokenCache(tokens, options, TimeProvider.System, metrics);
        await cache.CheckAsync(list[0].AsMemory()); // the code paths and the cache's first table, outside the measurement
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var token in list.Skip(1))
        {
            if ((await cache.CheckAsync(token.AsMemory())).Caller is null)
            {
                throw new InvalidOperationException("A token did not validate.");
            }
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kind,
            entries = cache.Count,
            heap_bytes_per_entry = Math.Round((after - before) / (double)(count - 1)),
            reserved_bytes_per_entry = Math.Round(cache.Bytes / (double)cache.Count),
            token_chars = list[0].Length,
        }));
        GC.KeepAlive(cache);
    }
    GC.KeepAlive(kinds);
    return 0;
}

// What a hit of the access-token cache costs: the thread's CPU time over 2,000,000 hits of one token read from
// a header's characters, 7 rounds after one of warm-up, median. CPU time rather than wall-clock time: on a
// shared machine the latter moves with everything else that runs (pin it with taskset).
static async Task<int> TokenCacheHitAsync()
{
    var options = Options.Create(new AuthOptions
    {
        AccessSecret = "bench-access-secret-0123456789abcdefghijklmnop",
        RefreshSecret = "bench-refresh-secret-0123456789abcdefghijklmnop",
    });
    var tokens = new TokenService(options, TimeProvider.System);
    using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    var cache = new AccessTokenCache(tokens, options, TimeProvider.System, new UserApiMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
    var now = DateTimeOffset.UtcNow;
    var user = new UserApi.Users.User(42, "alice", "alice", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime);
    var header = "Bearer " + tokens.Issue(user, new Session(Ids.New(), 42, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "bench")).AccessToken;
    var token = header.AsMemory("Bearer ".Length);
    await cache.CheckAsync(token);
    var rounds = new List<double>();
    for (var round = 0; round < 8; round++)
    {
        var start = ThreadCpu.Nanoseconds();
        for (var i = 0; i < 2_000_000; i++)
        {
            if (!cache.CheckAsync(token).IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("The token was not found again.");
            }
        }
        rounds.Add((ThreadCpu.Nanoseconds() - start) / 2_000_000.0);
    }
    var measured = rounds.Skip(1).Order().ToList();
    Console.WriteLine(JsonSerializer.Serialize(new { hit_cpu_ns_median = Math.Round(measured[measured.Count / 2], 1), rounds_ns = measured.Select(r => Math.Round(r, 1)) }));
    return 0;
}

static async Task<long> UsedMemoryAsync(IServer server)
{
    var info = await server.InfoAsync("memory");
    return long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value);
}

static class ThreadCpu
{
    public static long Nanoseconds()
    {
        const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID
        return ClockGetTime(ThreadCpuTimeClock, out var time) == 0 ? time.Seconds * 1_000_000_000 + time.Nanoseconds : throw new InvalidOperationException("clock_gettime failed.");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
