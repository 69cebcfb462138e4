using System.Diagnostics.Metrics;

namespace UserApi.Diagnostics;

/// <summary>
/// The service's own instruments (System.Diagnostics.Metrics), served on <c>GET /metrics</c> with ASP.NET
/// Core's and the runtime's. Outcomes are tagged with the stable error code clients see, so the label set
/// stays small and a dashboard can name what went wrong. Nothing on the path of an accepted access token
/// records here: that request is the hot path.
/// </summary>
public sealed class UserApiMetrics
{
    public const string MeterName = "UserApi";
    public const string Succeeded = "succeeded";

    private readonly Meter _meter;

    public UserApiMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        CacheHits = meter.CreateCounter<long>("userapi.user_cache.hits", description: "User look-ups answered by the Redis cache.");
        CacheMisses = meter.CreateCounter<long>("userapi.user_cache.misses", description: "User look-ups loaded from the database.");
        CacheErrors = meter.CreateCounter<long>("userapi.user_cache.errors", description: "Redis failures the user cache fell back from.");
        OutageCredentialsServed = meter.CreateCounter<long>("userapi.outage_credentials.served", description: "Logins checked against this instance's last copy of the credentials because the database was unreachable.");
        Registrations = meter.CreateCounter<long>("userapi.registrations", description: "Registrations, by outcome: succeeded or the error code.");
        Logins = meter.CreateCounter<long>("userapi.logins", description: "Logins, by outcome: succeeded or the error code (invalid_credentials, rate_limited, ...).");
        Refreshes = meter.CreateCounter<long>("userapi.refreshes", description: "Refresh-token rotations, by outcome: succeeded or the error code (refresh_token_reused, ...).");
        TokenRejections = meter.CreateCounter<long>("userapi.access_token.rejections", description: "Requests refused for their access token, by code (token_invalid, token_expired, session_revoked).");
        RateLimitRejections = meter.CreateCounter<long>("userapi.rate_limit.rejections", description: "Requests refused with 429 by a rate limit, by limit (tokens, registrations, user_lookups).");
        HashingShed = meter.CreateCounter<long>("userapi.password_hashing.shed", description: "Logins, registrations and password changes refused with 503 overloaded, before any hashing, because the hashing queue's wait exceeded Security.MaxHashWait.");
        RevocationResyncFailures = meter.CreateCounter<long>("userapi.revocations.resync_failures", description: "Failed reads of the revoked sessions from Redis; from each until the next success, access tokens are answered 503.");
        RevocationSyncAge = meter.CreateGauge<double>("userapi.revocations.sync_age", unit: "s", description: "Seconds since the revoked sessions were last read in full from Redis, at each read (0 after a success).");
        SessionsRevoked = meter.CreateCounter<long>("userapi.sessions.revoked", description: "Sessions ended before their expiry: logout, password change, refresh-token reuse, disabled or deleted users, eviction.");
        MfaChallenges = meter.CreateCounter<long>("userapi.mfa.challenges", description: "Second login steps (POST /user/login/mfa), by outcome: succeeded or the error code (invalid_mfa_code, mfa_token_invalid, rate_limited).");
        MfaEnrolments = meter.CreateCounter<long>("userapi.mfa.enrolments", description: "TOTP enrolment confirmations, by outcome: succeeded or the error code (wrong_mfa_code, mfa_not_pending, ...).");
        MailsQueued = meter.CreateCounter<long>("userapi.mail.queued", description: "Mails written to the outbox, by kind (verify, reset).");
        MailsSent = meter.CreateCounter<long>("userapi.mail.sent", description: "Mails the SMTP server (or the .eml directory) accepted.");
        MailsFailed = meter.CreateCounter<long>("userapi.mail.failed", description: "Mails given up: refused for good by the server (5xx), their token expired before delivery, or never queued.");
        MailsRetried = meter.CreateCounter<long>("userapi.mail.retried", description: "Delivery attempts that failed for a reason that may pass (server down, 4xx) and were scheduled again.");
        AuditDropped = meter.CreateCounter<long>("userapi.audit.dropped", description: "Audit events dropped because the audit queue (Audit.QueueCapacity) was full: the database was slow or away.");
        AdminRequests = meter.CreateCounter<long>("userapi.admin.requests", description: "Requests to the admin API (/admin) by outcome: succeeded or the error code (forbidden, user_not_found, ...).");
        AccessTokenCacheEvictions = meter.CreateCounter<long>("userapi.access_token_cache.evictions", description: "Validated access tokens the cache let go, by reason: expired, or budget (to make room within Auth.TokenCacheMegabytes).");
    }

    public Counter<long> CacheHits { get; }

    public Counter<long> CacheMisses { get; }

    public Counter<long> CacheErrors { get; }

    public Counter<long> OutageCredentialsServed { get; }

    public Counter<long> Registrations { get; }

    public Counter<long> Logins { get; }

    public Counter<long> Refreshes { get; }

    public Counter<long> TokenRejections { get; }

    public Counter<long> SessionsRevoked { get; }

    public Counter<long> RateLimitRejections { get; }

    public Counter<long> HashingShed { get; }

    public Counter<long> MfaChallenges { get; }

    public Counter<long> MfaEnrolments { get; }

    public Counter<long> RevocationResyncFailures { get; }

    public Counter<long> MailsQueued { get; }

    public Counter<long> MailsSent { get; }

    public Counter<long> MailsFailed { get; }

    public Counter<long> MailsRetried { get; }

    public Gauge<double> RevocationSyncAge { get; }

    /// <summary>The password-hashing queue's length: requests admitted and not done hashing, running ones included.</summary>
    public void ObserveHashingQueue(Func<int> length) =>
        _meter.CreateObservableGauge("userapi.password_hashing.queue", length, description: "Requests admitted to password hashing and not yet done with it, running ones included.");

    public Counter<long> AccessTokenCacheEvictions { get; }

    public Counter<long> AuditDropped { get; }

    public Counter<long> AdminRequests { get; }

    /// <summary>Audit events queued and not yet written, read at each scrape.</summary>
    public void ObserveAuditQueue(Func<int> depth) =>
        _meter.CreateObservableGauge("userapi.audit.queue", depth, description: "Audit events queued and not yet written to the database.");

    /// <summary>The access-token cache's size, read at each scrape rather than recorded per request.</summary>
    public void ObserveAccessTokenCache(Func<int> entries, Func<long> bytes)
    {
        _meter.CreateObservableGauge("userapi.access_token_cache.entries", entries, description: "Validated access tokens held by the cache.");
        _meter.CreateObservableGauge("userapi.access_token_cache.bytes", bytes, unit: "By", description: "What the cache's entries cost, against its budget Auth.TokenCacheMegabytes.");
    }
}
