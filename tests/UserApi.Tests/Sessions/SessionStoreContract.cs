using UserApi.Sessions;

namespace UserApi.Tests.Sessions;

/// <summary>
/// The rules of <see cref="ISessionStore"/>, written once and run on every implementation: creation with
/// eviction beyond the limit, look-ups, refresh-token rotation with its grace window and reuse detection,
/// revocation, isolation between users, atomicity under concurrent calls, and what a session reads back as.
/// </summary>
/// <remarks>
/// Times are real and whole milliseconds (what the Redis store keeps): the Redis store compares times on
/// Redis's own clock, never the <c>now</c> it is passed, so a test that needs a session idle, rotated or
/// expired long ago stamps the session so, and passes the real time as <c>now</c> (which the in-process
/// store reads). Every test makes users of its own, with ids far above any the other suites' users get, as
/// all suites share one Redis.
/// </remarks>
public abstract class SessionStoreContract
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    protected static readonly TimeSpan ReuseInterval = TimeSpan.FromSeconds(10);
    protected static readonly RotationPolicy Grace = new(ReuseInterval, IdleTimeout: TimeSpan.Zero);
    protected static readonly CancellationToken None = CancellationToken.None;

    private readonly DateTimeOffset _t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    protected abstract ISessionStore Store { get; }

    /// <summary>
    /// What an IP address or user agent reads back as: the Redis store's record format has no room for tabs or
    /// line breaks (they become spaces), nor for the difference between empty and absent (both read back null).
    /// </summary>
    private static string? ReadBack(string? value) =>
        string.IsNullOrEmpty(value) ? null : value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>What a time reads back as: to the millisecond, as the Redis store keeps it.</summary>
    private static DateTimeOffset ReadBack(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    // --- Creation and eviction --------------------------------------------------------------------------

    [Fact]
    public async Task ASessionCreatedWithinTheLimitEvictsNothingAndIsFound()
    {
        var user = NewUserId();
        var session = NewSession(user);

        Assert.Empty((await Store.CreateAsync(session, maxSessions: 3, None)).Ids);

        Assert.Equal(session, await Store.FindAsync(user, session.Id, _t0, None));
        Assert.Equal([session], await Store.ListAsync(user, _t0, None));
    }

    [Fact]
    public async Task ASessionBeyondTheLimitEvictsTheOldestFirstAndReturnsTheirIds()
    {
        var user = NewUserId();
        var sessions = Enumerable.Range(0, 5).Select(i => NewSession(user, createdAfter: TimeSpan.FromSeconds(i))).ToList();
        foreach (var session in sessions[..3])
        {
            Assert.Empty((await Store.CreateAsync(session, maxSessions: 3, None)).Ids);
        }

        Assert.Equal([sessions[0].Id], (await Store.CreateAsync(sessions[3], maxSessions: 3, None)).Ids);
        Assert.Equal([sessions[1].Id, sessions[2].Id], (await Store.CreateAsync(sessions[4], maxSessions: 2, None)).Ids);

        Assert.Equal([sessions[4], sessions[3]], await Store.ListAsync(user, sessions[4].CreatedAt, None));
        Assert.Null(await Store.FindAsync(user, sessions[0].Id, sessions[4].CreatedAt, None));
    }

    [Fact]
    public async Task EvictionGoesByCreationTimeNotByTheOrderOfArrival()
    {
        // Instances' clocks differ: a login stamped earlier can reach the store later.
        var user = NewUserId();
        var newer = NewSession(user, createdAfter: TimeSpan.FromSeconds(2));
        var older = NewSession(user, createdAfter: TimeSpan.FromSeconds(1));
        await Store.CreateAsync(newer, maxSessions: 1, None);

        Assert.Equal([older.Id], (await Store.CreateAsync(older, maxSessions: 1, None)).Ids);
        Assert.Equal([newer], await Store.ListAsync(user, newer.CreatedAt, None));
    }

    [Fact]
    public async Task AnExpiredSessionNeitherCountsTowardsTheLimitNorIsReportedAsEvicted()
    {
        var user = NewUserId();
        var expired = NewSession(user, createdAfter: -TimeSpan.FromMinutes(2), lifetime: TimeSpan.FromMinutes(1));
        var live = NewSession(user);
        await Store.CreateAsync(expired, maxSessions: 1, None);

        Assert.Empty((await Store.CreateAsync(live, maxSessions: 1, None)).Ids);
        Assert.Equal([live], await Store.ListAsync(user, live.CreatedAt, None));
    }

    // --- Look-ups -----------------------------------------------------------------------------------------

    [Fact]
    public async Task TheUsersLiveSessionsAreListedNewestFirst()
    {
        var user = NewUserId();
        var sessions = new[] { 3, 1, 4, 2 }.Select(s => NewSession(user, createdAfter: TimeSpan.FromSeconds(s))).ToList();
        foreach (var session in sessions)
        {
            await Store.CreateAsync(session, maxSessions: 10, None);
        }

        Assert.Equal(sessions.OrderByDescending(s => s.CreatedAt), await Store.ListAsync(user, _t0, None));
    }

    [Fact]
    public async Task ASessionIsNeitherFoundNorListedFromTheMomentItExpires()
    {
        var user = NewUserId();
        var shortLived = NewSession(user, lifetime: TimeSpan.FromMinutes(1));
        var longLived = NewSession(user, createdAfter: TimeSpan.FromSeconds(1));
        await Store.CreateAsync(shortLived, maxSessions: 10, None);
        await Store.CreateAsync(longLived, maxSessions: 10, None);
        var lastMoment = shortLived.ExpiresAt - TimeSpan.FromMilliseconds(1);

        Assert.Equal(shortLived, await Store.FindAsync(user, shortLived.Id, lastMoment, None));
        Assert.Equal([longLived, shortLived], await Store.ListAsync(user, lastMoment, None));

        Assert.Null(await Store.FindAsync(user, shortLived.Id, shortLived.ExpiresAt, None));
        Assert.Equal([longLived], await Store.ListAsync(user, shortLived.ExpiresAt, None));
    }

    [Fact]
    public async Task AnUnknownSessionOrAUserWithoutSessionsFindsNothing()
    {
        var user = NewUserId();
        await Store.CreateAsync(NewSession(user), maxSessions: 10, None);

        Assert.Null(await Store.FindAsync(user, NewId(), _t0, None));
        Assert.Null(await Store.FindAsync(NewUserId(), NewId(), _t0, None));
        Assert.Empty(await Store.ListAsync(NewUserId(), _t0, None));
    }

    // --- Rotation -----------------------------------------------------------------------------------------

    [Fact]
    public async Task PresentingTheCurrentTokenRotatesItAndKeepsTheSessionsCreationAndExpiry()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user, createdAfter: -TimeSpan.FromMinutes(5)));
        var next = NewId();

        var before = Now();
        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, next, Now(), Grace, None);

        // Last used is the store's clock at the rotation: Redis's, or the caller's in process.
        Assert.Equal(RotationStatus.Rotated, rotation.Status);
        Assert.InRange(rotation.Session!.LastUsedAt, before, Now());
        var rotated = session with { RefreshJti = next, PreviousRefreshJti = session.RefreshJti, LastUsedAt = rotation.Session.LastUsedAt };
        Assert.Equal(rotated, rotation.Session);
        Assert.Equal(rotated, await Store.FindAsync(user, session.Id, Now(), None));
    }

    [Fact]
    public async Task ThePreviousTokenWithinTheReuseIntervalReplaysTheCurrentSessionUnchanged()
    {
        var user = NewUserId();
        var previous = NewId();
        var rotated = await CreateAsync(RotatedAgo(NewSession(user), previous, ReuseInterval - TimeSpan.FromSeconds(5)));

        var replay = await Store.RotateAsync(user, rotated.Id, previous, NewId(), Now(), Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Replayed, rotated), replay);
        Assert.Equal(rotated, await Store.FindAsync(user, rotated.Id, Now(), None));
        var next = await Store.RotateAsync(user, rotated.Id, rotated.RefreshJti, NewId(), Now(), Grace, None);
        Assert.Equal(RotationStatus.Rotated, next.Status);
    }

    [Fact]
    public async Task ThePreviousTokenAfterTheReuseIntervalEndsTheSessionAsAReuse()
    {
        var user = NewUserId();
        var previous = NewId();
        var rotated = await CreateAsync(RotatedAgo(NewSession(user), previous, ReuseInterval + TimeSpan.FromSeconds(1)));

        var reuse = await Store.RotateAsync(user, rotated.Id, previous, NewId(), Now(), Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Reused, rotated), WithoutRecord(reuse));
        await AssertGoneAsync(user, rotated, Now());
    }

    [Fact]
    public async Task AnOlderTokenEndsTheSessionAsAReuseEvenWithinTheReuseInterval()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var now = _t0 + TimeSpan.FromMinutes(1);
        var second = (await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), now, Grace, None)).Session!;
        var third = (await Store.RotateAsync(user, session.Id, second.RefreshJti, NewId(), now, Grace, None)).Session!;

        var reuse = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), now, Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Reused, third), WithoutRecord(reuse));
        await AssertGoneAsync(user, third, now);
    }

    [Fact]
    public async Task ATokenTheSessionNeverIssuedEndsItAsAReuse()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));

        var reuse = await Store.RotateAsync(user, session.Id, NewId(), NewId(), _t0, Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Reused, session), WithoutRecord(reuse));
        await AssertGoneAsync(user, session, _t0);
    }

    [Fact]
    public async Task AnEmptyTokenIdIsNotThePreviousTokenOfASessionNeverRotated()
    {
        // A session not rotated yet has no previous token; "none" must not match an empty jti as a replay.
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));

        var reuse = await Store.RotateAsync(user, session.Id, "", NewId(), _t0, Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Reused, session), WithoutRecord(reuse));
        await AssertGoneAsync(user, session, _t0);
    }

    [Fact]
    public async Task WithAZeroReuseIntervalThePreviousTokenIsAReuseAtOnce()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var strict = Grace with { ReuseInterval = TimeSpan.Zero };
        var rotated = (await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, strict, None)).Session!;

        var reuse = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, strict, None);

        Assert.Equal(new RotationResult(RotationStatus.Reused, rotated), WithoutRecord(reuse));
        await AssertGoneAsync(user, rotated, _t0);
    }

    [Fact]
    public async Task ASessionUnusedForLongerThanTheIdleTimeoutIsDeletedAndNotFound()
    {
        var user = NewUserId();
        var idle = Grace with { IdleTimeout = TimeSpan.FromMinutes(1) };
        var inTime = await CreateAsync(UsedAgo(NewSession(user), idle.IdleTimeout - TimeSpan.FromSeconds(5)));
        var tooLate = await CreateAsync(UsedAgo(NewSession(user, createdAfter: TimeSpan.FromSeconds(1)), idle.IdleTimeout + TimeSpan.FromSeconds(1)));

        Assert.Equal(RotationStatus.Rotated, (await Store.RotateAsync(user, inTime.Id, inTime.RefreshJti, NewId(), Now(), idle, None)).Status);
        var expired = await Store.RotateAsync(user, tooLate.Id, tooLate.RefreshJti, NewId(), Now(), idle, None);

        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), expired);
        await AssertGoneAsync(user, tooLate, Now());
    }

    [Fact]
    public async Task TheIdleTimeoutComesBeforeReuseDetection()
    {
        var user = NewUserId();
        var idle = Grace with { IdleTimeout = TimeSpan.FromMinutes(1) };
        var session = await CreateAsync(UsedAgo(NewSession(user), idle.IdleTimeout + TimeSpan.FromSeconds(1)));

        var stale = await Store.RotateAsync(user, session.Id, NewId(), NewId(), Now(), idle, None);

        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), stale);
        await AssertGoneAsync(user, session, Now());
    }

    [Fact]
    public async Task WithAZeroIdleTimeoutASessionMayRestUntilItExpires()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user, createdAfter: -(Lifetime - TimeSpan.FromMinutes(1))));

        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), Now(), Grace, None);

        Assert.Equal(RotationStatus.Rotated, rotation.Status);
    }

    [Fact]
    public async Task AnExpiredSessionCannotBeRotated()
    {
        var user = NewUserId();
        await CreateAsync(NewSession(user));
        var session = await CreateAsync(NewSession(user, createdAfter: -(Lifetime + TimeSpan.FromMinutes(1))));

        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), Now(), Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), rotation);
    }

    [Fact]
    public async Task AnUnknownSessionCannotBeRotatedAndTheUsersOtherSessionsAreLeftAlone()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));

        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), await Store.RotateAsync(user, NewId(), session.RefreshJti, NewId(), _t0, Grace, None));
        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), await Store.RotateAsync(NewUserId(), NewId(), NewId(), NewId(), _t0, Grace, None));

        Assert.Equal(session, await Store.FindAsync(user, session.Id, _t0, None));
    }

    // --- Revocation ---------------------------------------------------------------------------------------

    [Fact]
    public async Task RevokingASessionDeletesItAndSaysWhetherThereWasOne()
    {
        var user = NewUserId();
        var doomed = await CreateAsync(NewSession(user));
        var kept = await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(1)));

        Assert.Equal([doomed.Id], (await Store.RevokeAsync(user, doomed.Id, None)).Ids);
        Assert.Empty((await Store.RevokeAsync(user, doomed.Id, None)).Ids);
        Assert.Empty((await Store.RevokeAsync(NewUserId(), NewId(), None)).Ids);

        await AssertGoneAsync(user, doomed, _t0);
        Assert.Equal([kept], await Store.ListAsync(user, _t0, None));
    }

    [Fact]
    public async Task RevokingAllButOneSessionReturnsTheIdsItDeleted()
    {
        var user = NewUserId();
        var sessions = new List<Session>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(i))));
        }

        var revoked = (await Store.RevokeAllAsync(user, sessions[1].Id, None)).Ids;

        Assert.Equal(new[] { sessions[0].Id, sessions[2].Id }.Order(), revoked.Order());
        Assert.Equal([sessions[1]], await Store.ListAsync(user, _t0, None));
    }

    [Fact]
    public async Task RevokingAllWithNoneKeptEndsEverySessionOnce()
    {
        var user = NewUserId();
        var first = await CreateAsync(NewSession(user));
        var second = await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(1)));

        Assert.Equal(new[] { first.Id, second.Id }.Order(), (await Store.RevokeAllAsync(user, null, None)).Ids.Order());

        Assert.Empty(await Store.ListAsync(user, _t0, None));
        Assert.Empty((await Store.RevokeAllAsync(user, null, None)).Ids);
        Assert.Empty((await Store.RevokeAllAsync(NewUserId(), NewId(), None)).Ids);
    }

    // --- Isolation ----------------------------------------------------------------------------------------

    [Fact]
    public async Task OneUsersSessionsAreOutOfEveryOtherUsersReach()
    {
        var (alice, bob) = (NewUserId(), NewUserId());
        var alices = await CreateAsync(NewSession(alice));
        var alicesOther = await CreateAsync(NewSession(alice, createdAfter: TimeSpan.FromSeconds(1)));
        // The same session id under another user is another session.
        var bobs = await CreateAsync(NewSession(bob) with { Id = alices.Id });

        Assert.Null(await Store.FindAsync(bob, alicesOther.Id, _t0, None));
        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), await Store.RotateAsync(bob, alicesOther.Id, alicesOther.RefreshJti, NewId(), _t0, Grace, None));
        Assert.Empty((await Store.RevokeAsync(bob, alicesOther.Id, None)).Ids);
        Assert.Equal(alicesOther, await Store.FindAsync(alice, alicesOther.Id, _t0, None));

        Assert.Equal(new[] { alices.Id, alicesOther.Id }.Order(), (await Store.RevokeAllAsync(alice, null, None)).Ids.Order());
        Assert.Equal(bobs, await Store.FindAsync(bob, bobs.Id, _t0, None));
        Assert.Equal([bobs], await Store.ListAsync(bob, _t0, None));
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateAsync(bob, bobs.Id, bobs.RefreshJti, NewId(), _t0, Grace, None)).Status);
    }

    // --- Concurrency: every call is one atomic step --------------------------------------------------------

    [Fact]
    public async Task ParallelRotationsOfTheCurrentTokenRotateItOnceAndReplayTheRest()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var nextIds = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();

        var results = await InParallelAsync(nextIds, next => Store.RotateAsync(user, session.Id, session.RefreshJti, next, _t0, Grace, None));

        var winner = Assert.Single(results, r => r.Status == RotationStatus.Rotated);
        Assert.Contains(winner.Session!.RefreshJti, nextIds);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(new RotationResult(RotationStatus.Replayed, winner.Session), r));
        Assert.Equal(winner.Session, await Store.FindAsync(user, session.Id, _t0, None));
    }

    [Fact]
    public async Task ParallelRotationsWithNoReuseIntervalRotateOnceThenEndTheSessionOnce()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var strict = Grace with { ReuseInterval = TimeSpan.Zero };

        var results = await InParallelAsync(Enumerable.Range(0, 20), _ => Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, strict, None));

        // The first rotates; the next presents a spent token, a reuse that ends the session; the rest find none.
        var winner = Assert.Single(results, r => r.Status == RotationStatus.Rotated);
        Assert.Equal(new RotationResult(RotationStatus.Reused, winner.Session), WithoutRecord(Assert.Single(results, r => r.Status == RotationStatus.Reused)));
        Assert.Equal(18, results.Count(r => r == new RotationResult(RotationStatus.NotFound, null)));
        await AssertGoneAsync(user, session, _t0);
    }

    [Fact]
    public async Task ParallelLoginsBeyondTheLimitKeepTheNewestAndReportEveryOtherOnce()
    {
        var user = NewUserId();
        var sessions = Enumerable.Range(0, 20).Select(i => NewSession(user, createdAfter: TimeSpan.FromMilliseconds(i))).ToList();

        var evicted = await InParallelAsync(sessions.OrderBy(_ => Random.Shared.Next()), s => Store.CreateAsync(s, maxSessions: 5, None));

        var newest = sessions.OrderByDescending(s => s.CreatedAt).Take(5).ToList();
        Assert.Equal(newest, await Store.ListAsync(user, _t0, None));
        Assert.Equal(sessions.Except(newest).Select(s => s.Id).Order(), evicted.SelectMany(ended => ended.Ids).Order());
    }

    [Fact]
    public async Task ARotationRacingARevocationNeverBringsTheSessionBack()
    {
        var user = NewUserId();
        for (var round = 0; round < 20; round++)
        {
            var session = await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromMilliseconds(round)));
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var rotating = Task.Run(async () =>
            {
                await start.Task;
                return await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, Grace, None);
            });
            var revoking = Task.Run(async () =>
            {
                await start.Task;
                return await Store.RevokeAsync(user, session.Id, None);
            });
            start.SetResult();

            Assert.Contains((await rotating).Status, new[] { RotationStatus.Rotated, RotationStatus.NotFound });
            Assert.Equal([session.Id], (await revoking).Ids);
            await AssertGoneAsync(user, session, _t0);
        }
    }

    // --- What a session reads back as ----------------------------------------------------------------------

    [Fact]
    public async Task ASessionReadsBackWithEveryFieldItWasCreatedWith()
    {
        var user = NewUserId();
        var described = NewSession(user) with { Ip = "2001:db8::7", UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Ünïcødé ✓ 漢字 🎉" };
        var anonymous = NewSession(user, createdAfter: TimeSpan.FromSeconds(1)) with { Ip = null, UserAgent = null };
        await Store.CreateAsync(described, maxSessions: 10, None);
        await Store.CreateAsync(anonymous, maxSessions: 10, None);

        Assert.Equal(described, await Store.FindAsync(user, described.Id, _t0, None));
        Assert.Equal([anonymous, described], await Store.ListAsync(user, _t0, None));
        var next = NewId();
        var rotated = await Store.RotateAsync(user, described.Id, described.RefreshJti, next, _t0, Grace, None);
        Assert.Equal(described with { RefreshJti = next, PreviousRefreshJti = described.RefreshJti, LastUsedAt = rotated.Session!.LastUsedAt }, rotated.Session);
    }

    [Fact]
    public async Task TabsAndLineBreaksInTheIpAndUserAgentReadBackAsSpaces()
    {
        // A User-Agent header may hold tabs (RFC 9110 §5.5); a store must not let one split or corrupt a record.
        var user = NewUserId();
        var session = NewSession(user) with { Ip = "192.0.2.1\t", UserAgent = "agent\twith\ttabs\r\nand breaks" };
        var other = NewSession(user, createdAfter: TimeSpan.FromSeconds(1));
        await Store.CreateAsync(session, maxSessions: 10, None);
        await Store.CreateAsync(other, maxSessions: 10, None);

        var expected = session with { Ip = ReadBack(session.Ip), UserAgent = ReadBack(session.UserAgent) };
        Assert.Equal(expected, await Store.FindAsync(user, session.Id, _t0, None));
        Assert.Equal([other, expected], await Store.ListAsync(user, _t0, None));
        Assert.Equal(RotationStatus.Rotated, (await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, Grace, None)).Status);
    }

    [Fact]
    public async Task AnEmptyIpOrUserAgentReadsBackAsAbsent()
    {
        var user = NewUserId();
        var session = NewSession(user) with { Ip = "", UserAgent = "" };
        await Store.CreateAsync(session, maxSessions: 10, None);

        var found = await Store.FindAsync(user, session.Id, _t0, None);

        Assert.Equal(session with { Ip = ReadBack(""), UserAgent = ReadBack("") }, found);
    }

    [Fact]
    public async Task TimesReadBackToTheMillisecond()
    {
        var user = NewUserId();
        var submillisecond = TimeSpan.FromTicks(4_321);
        var plain = NewSession(user);
        var session = plain with
        {
            CreatedAt = plain.CreatedAt + submillisecond,
            LastUsedAt = plain.LastUsedAt + submillisecond,
            ExpiresAt = plain.ExpiresAt + submillisecond,
        };
        await Store.CreateAsync(session, maxSessions: 10, None);

        var found = await Store.FindAsync(user, session.Id, _t0, None);

        Assert.Equal(session with
        {
            CreatedAt = ReadBack(session.CreatedAt),
            LastUsedAt = ReadBack(session.LastUsedAt),
            ExpiresAt = ReadBack(session.ExpiresAt),
        }, found);
    }

    [Fact]
    public async Task ASessionKeepsItsSecondFactorThroughRotations()
    {
        var user = NewUserId();
        var session = NewSession(user) with { SecondFactor = true };
        var plain = NewSession(user, createdAfter: TimeSpan.FromSeconds(1));
        await CreateAsync(session);
        await CreateAsync(plain);

        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), _t0, Grace, None);

        Assert.True(rotation.Session!.SecondFactor);
        Assert.True((await Store.FindAsync(user, session.Id, _t0, None))!.SecondFactor);
        Assert.False((await Store.FindAsync(user, plain.Id, _t0, None))!.SecondFactor);
    }

    // --- Helpers --------------------------------------------------------------------------------------------

    /// <summary>Far above the ids the functional suites' users get (MySQL numbering, imported bands up to 4·10¹³).</summary>
    protected static long NewUserId() => 5_000_000_000_000_000 + Random.Shared.NextInt64(1_000_000_000_000_000);

    protected static string NewId() => Guid.NewGuid().ToString("N");

    protected Session NewSession(long userId, TimeSpan createdAfter = default, TimeSpan? lifetime = null)
    {
        var createdAt = _t0 + createdAfter;
        return new Session(NewId(), userId, NewId(), null, createdAt, createdAt, createdAt + (lifetime ?? Lifetime), "192.0.2.10", "contract-tests/1.0");
    }

    protected async Task<Session> CreateAsync(Session session)
    {
        Assert.Empty((await Store.CreateAsync(session, maxSessions: 10, None)).Ids);
        return session;
    }

    /// <summary>The real time to the millisecond: the clock the Redis store compares by, give or take its reads.</summary>
    protected static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>The session as if last refreshed <paramref name="ago"/>.</summary>
    protected static Session UsedAgo(Session session, TimeSpan ago) => session with { LastUsedAt = Now() - ago };

    /// <summary>The session as if rotated <paramref name="ago"/>, replacing <paramref name="previous"/>.</summary>
    protected static Session RotatedAgo(Session session, string previous, TimeSpan ago) => UsedAgo(session, ago) with { PreviousRefreshJti = previous };

    /// <summary>The result without where it was recorded revoked (a store that shares revocations records it; tests of that are the store's own).</summary>
    protected static RotationResult WithoutRecord(RotationResult result) => result with { RevokedUntil = null };

    private async Task AssertGoneAsync(long userId, Session session, DateTimeOffset now)
    {
        Assert.Null(await Store.FindAsync(userId, session.Id, now, None));
        Assert.DoesNotContain(await Store.ListAsync(userId, now, None), s => s.Id == session.Id);
        Assert.Equal(new RotationResult(RotationStatus.NotFound, null), await Store.RotateAsync(userId, session.Id, session.RefreshJti, NewId(), now, Grace, None));
    }

    /// <summary>Starts one call per item on the thread pool at once (the in-process store answers synchronously).</summary>
    private static async Task<IReadOnlyList<T>> InParallelAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = items.Select(item => Task.Run(async () =>
        {
            await start.Task;
            return await call(item);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(calls);
    }
}
