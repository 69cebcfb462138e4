using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

/// <summary>
/// The steady load of scripts/faults.sh. On each instance three loops run until the stop file appears:
/// <c>GET /user/info</c> with a token of its own (every 50 ms), logins of a user registered at the start and
/// so cached (every 500 ms), and registrations of new users (every 500 ms; a name whose registration got no
/// answer or a 5xx is sent again until it gets 200 or 409, as a client retries). Every answer is one line of
/// the output, written at once: the request's start (Unix ms), its duration (ms), the instance's index, the
/// route, the status (0: no answer), the content type, the problem's code and the user name, each "-" when
/// empty. The scenario then reads what was answered during and after its fault.
/// </summary>
internal static class Load
{
    private const string Password = "Load-password-1";
    private static readonly TimeSpan InfoPeriod = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HashPeriod = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(string output, string stopFile, string prefix, string[] urls)
    {
        var clients = urls.Select(url => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(10),
        }).ToArray();
        // Set up through the first instance, which every scenario keeps ready while the load starts.
        var tokens = new string[urls.Length];
        for (var i = 0; i < urls.Length; i++)
        {
            await SetUpAsync(clients[0], $"{prefix}-login-{i}");
            tokens[i] = await SetUpAsync(clients[0], $"{prefix}-info-{i}");
        }

        await using var writer = new StreamWriter(output, append: false) { AutoFlush = true };
        var gate = new Lock();
        void Record(int instance, string route, Answer answer, string? name)
        {
            lock (gate)
            {
                writer.WriteLine($"{answer.Start} {answer.Milliseconds:F0} {instance} {route} {answer.Status} {Field(answer.ContentType)} {Field(answer.Code)} {Field(name)}");
            }
        }

        Console.WriteLine("load running");
        var loops = new List<Task>();
        for (var i = 0; i < urls.Length; i++)
        {
            var (instance, client, token) = (i, clients[i], tokens[i]);
            var login = $"{prefix}-login-{i}";
            loops.Add(LoopAsync(stopFile, InfoPeriod, async _ =>
                Record(instance, "info", await TimedAsync(() => SendAsync(client, HttpMethod.Get, "/user/info", token, null)), null)));
            loops.Add(LoopAsync(stopFile, HashPeriod, async _ =>
                Record(instance, "login", await TimedAsync(() => SendAsync(client, HttpMethod.Post, "/user/login", null, new { username = login, password = Password })), login)));
            var next = 0;
            loops.Add(LoopAsync(stopFile, HashPeriod, async _ =>
            {
                var name = $"{prefix}-r{instance}-{next}";
                var answer = await TimedAsync(() => SendAsync(client, HttpMethod.Post, "/user/register", null, new { username = name, password = Password }));
                Record(instance, "register", answer, name);
                if (answer.Status is 200 or 409)
                {
                    next++;
                }
            }));
        }
        await Task.WhenAll(loops);
        return 0;

        async Task<Answer> TimedAsync(Func<Task<Answer>> send)
        {
            var start = Now();
            var stopwatch = Stopwatch.StartNew();
            var answer = await send();
            return answer with { Start = start, Milliseconds = stopwatch.Elapsed.TotalMilliseconds };
        }
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string Field(string? value) => string.IsNullOrEmpty(value) ? "-" : value.Replace(' ', '_');

    private readonly record struct Answer(int Status, string? ContentType, string? Code, long Start = 0, double Milliseconds = 0);

    private static async Task LoopAsync(string stopFile, TimeSpan period, Func<int, Task> iteration)
    {
        for (var i = 0; !File.Exists(stopFile); i++)
        {
            var started = Stopwatch.StartNew();
            await iteration(i);
            var left = period - started.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }
        }
    }

    private static async Task<Answer> SendAsync(HttpClient client, HttpMethod method, string path, string? token, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        try
        {
            using var response = await client.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var contentType = response.Content.Headers.ContentType?.MediaType;
            string? code = null;
            if (contentType == "application/problem+json")
            {
                try
                {
                    using var problem = JsonDocument.Parse(bytes);
                    code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                }
                catch (JsonException)
                {
                    code = "unparsable";
                }
            }
            return new Answer((int)response.StatusCode, contentType, code);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Answer(0, null, e is TaskCanceledException ? "timeout" : "no_answer");
        }
    }

    /// <summary>Registers NAME (or finds it registered) and logs it in, retrying for up to 30 s; returns the access token.</summary>
    private static async Task<string> SetUpAsync(HttpClient client, string name)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var register = await client.PostAsJsonAsync("/user/register", new { username = name, password = Password });
                using var login = await client.PostAsJsonAsync("/user/login", new { username = name, password = Password });
                if (login.IsSuccessStatusCode)
                {
                    return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
                }
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"Could not log {name} in: {(int)login.StatusCode} {Encoding.UTF8.GetString(await login.Content.ReadAsByteArrayAsync())}");
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
            }
            await Task.Delay(500);
        }
    }
}
