using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

/// <summary>Issuing a pair, validating an access token (first time, and from the validated-token cache), the revocation check.</summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private TokenService _tokens = null!;
    private AccessTokenCache _cache = null!;
    private readonly JsonWebTokenHandler _plainHandler = new();
    private RevocationList _revocations = null!;
    private User _user = null!;
    private Session _session = null!;
    private string _accessToken = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = Options.Create(new AuthOptions
        {
            AccessSecret = "micro-benchmark-access-secret-0123456789abcdef",
            RefreshSecret = "micro-benchmark-refresh-secret-0123456789abcdef",
        });
        _tokens = new TokenService(options, TimeProvider.System);
        var metrics = new UserApiMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _cache = new AccessTokenCache(_tokens, options, TimeProvider.System, metrics);
        _revocations = new RevocationList(TimeProvider.System);
        for (var i = 0; i < 10_000; i++)
        {
            _revocations.Add(Ids.New(), DateTimeOffset.UtcNow.AddHours(1));
        }
        var now = DateTimeOffset.UtcNow;
        _user = new User(42, "alice", "alice", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime);
        _session = new Session(Ids.New(), 42, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "bench");
        _accessToken = _tokens.Issue(_user, _session).AccessToken;
        _cache.CheckAsync(_accessToken.AsMemory()).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "issue access + refresh pair")]
    public TokenPair IssuePair() => _tokens.Issue(_user, _session);

    [Benchmark(Description = "validate access token (library, full)")]
    public async Task<bool> ValidateFull() => (await _plainHandler.ValidateTokenAsync(_accessToken, _tokens.AccessValidation)).IsValid;

    [Benchmark(Description = "validate access token (cached)")]
    public async ValueTask<bool> ValidateCached() => (await _cache.CheckAsync(_accessToken.AsMemory())).Caller is not null;

    [Benchmark(Description = "revocation check (10k revoked)")]
    public bool RevocationCheck() => _revocations.IsRevoked(_session.Id);
}
