using Microsoft.Extensions.Logging;
using UserApi.Audit;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>A user as an operator sees it: the row, whether failed logins lock it now, and how many sessions it has.</summary>
public sealed record AdministeredUser(User User, bool Locked, int Sessions);

/// <summary>One page of users (keyset paging by id): <see cref="Next"/> is the id to ask after, null on the last page.</summary>
public sealed record UserPage(IReadOnlyList<AdministeredUser> Users, long? Next);

/// <summary>
/// An operator's actions on accounts and sessions: the admin API (<c>/admin</c>, by user id, the admin as the actor)
/// and the CLI (<c>user-api user add|set-role</c>, <c>disable</c>, <c>enable</c>, <c>delete</c>, by name, no actor)
/// share them. Every write that changes nothing (the same role, disabling a disabled user) succeeds without an
/// event; ending sessions goes through <see cref="SessionRevoker"/>, so every instance refuses their tokens at once.
/// </summary>
public sealed class UserAdministration(
    IUserStore users,
    ISessionStore sessions,
    SessionRevoker revoker,
    RevocationList revocations,
    LoginThrottle throttle,
    PasswordHasher hasher,
    IAuditLog audit,
    TimeProvider time,
    ILogger<UserAdministration> logger)
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 50;

    /// <summary>Whether the user may use the admin API, as the database holds it now: an admin demoted or disabled loses it at once.</summary>
    public async Task<bool> IsAdminAsync(long userId, CancellationToken cancellationToken) =>
        await users.ReadAsync(userId, cancellationToken) is { Disabled: false, Role: Roles.Admin };

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken) =>
        Username.Normalize(username) is { } normalized ? await users.FindByUsernameAsync(normalized, cancellationToken) : null;

    /// <summary>The CLI's <c>disable</c> and <c>enable</c>: <see cref="UpdateAsync"/> by name, with no actor.</summary>
    public async Task<Result<AdministeredUser>> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken) =>
        await FindByUsernameAsync(username, cancellationToken) is { } user
            ? await UpdateAsync(user.Id, null, disabled, null, cancellationToken)
            : Failure.UserNotFound;

    /// <summary>The CLI's <c>user set-role</c>: <see cref="UpdateAsync"/> by name, with no actor.</summary>
    public async Task<Result<AdministeredUser>> SetRoleAsync(string username, string role, CancellationToken cancellationToken) =>
        await FindByUsernameAsync(username, cancellationToken) is { } user
            ? await UpdateAsync(user.Id, role, null, null, cancellationToken)
            : Failure.UserNotFound;

    /// <summary>The CLI's <c>delete</c>: <see cref="DeleteAsync(long, long?, CancellationToken)"/> by name, with no actor.</summary>
    public async Task<Result<User>> DeleteAsync(string username, CancellationToken cancellationToken) =>
        await FindByUsernameAsync(username, cancellationToken) is { } user
            ? await DeleteAsync(user.Id, null, cancellationToken)
            : Failure.UserNotFound;

    public async Task<Result<UserPage>> ListAsync(string? query, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Failure.Validation("limit", $"must be 1 to {MaxPageSize}");
        }
        if (after is < 0)
        {
            return Failure.Validation("after", "must be a user id");
        }
        var prefix = Username.Normalize(query ?? "");
        if (prefix is null)
        {
            return Failure.Validation("query", "must be valid Unicode text");
        }
        var size = limit ?? DefaultPageSize;
        var found = await users.ListAsync(prefix, after ?? 0, size + 1, cancellationToken);
        var page = new List<AdministeredUser>(Math.Min(found.Count, size));
        foreach (var user in found.Take(size))
        {
            page.Add(await DescribeAsync(user, cancellationToken));
        }
        return new UserPage(page, found.Count > size ? page[^1].User.Id : null);
    }

    public async Task<Result<AdministeredUser>> GetAsync(long id, CancellationToken cancellationToken) =>
        await users.ReadAsync(id, cancellationToken) is { } user ? await DescribeAsync(user, cancellationToken) : Failure.UserNotFound;

    /// <summary>A new account with the given role; the password meets the same policy as a registration's.</summary>
    public async Task<Result<AdministeredUser>> CreateAsync(string? username, string? password, string? role, long? actor, CancellationToken cancellationToken)
    {
        if (Registration.NewAccountProblem(username, password) is { } problem)
        {
            return problem;
        }
        role ??= User.DefaultRole;
        if (Roles.Problem(role) is { } roleProblem)
        {
            return roleProblem;
        }
        var normalized = Username.Normalize(username!)!;
        if (await users.FindByUsernameAsync(normalized, cancellationToken) is not null)
        {
            return Failure.UsernameTaken;
        }
        var hash = await hasher.HashAsync(password!, cancellationToken);
        if (await users.CreateAsync(new NewUser(username!.Trim(), normalized, hash, role, time.GetUtcNow().UtcDateTime), cancellationToken) is not { } user)
        {
            return Failure.UsernameTaken;
        }
        logger.LogInformation("Created user {UserId} with role {Role}", user.Id, role);
        audit.Record(new AuditEvent(AuditEventTypes.UserCreated, AuditEvent.Ok, actor, user.Id));
        return new AdministeredUser(user, false, 0);
    }

    /// <summary>Changes the role and, or, the disabled flag; disabling ends every session of the user on every instance.</summary>
    public async Task<Result<AdministeredUser>> UpdateAsync(long id, string? role, bool? disabled, long? actor, CancellationToken cancellationToken)
    {
        if (role is not null && Roles.Problem(role) is { } roleProblem)
        {
            return roleProblem;
        }
        if (await users.ReadAsync(id, cancellationToken) is not { } user)
        {
            return Failure.UserNotFound;
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (role is not null && role != user.Role)
        {
            await users.SetRoleAsync(id, role, now, cancellationToken);
            logger.LogInformation("User {UserId}: role {Role}", id, role);
            audit.Record(new AuditEvent(AuditEventTypes.RoleChanged, AuditEvent.Ok, actor, id));
            user = user with { Role = role };
        }
        if (disabled is { } flag && flag != user.Disabled)
        {
            await users.SetDisabledAsync(id, flag, now, cancellationToken);
            user = user with { Disabled = flag };
            audit.Record(new AuditEvent(flag ? AuditEventTypes.UserDisabled : AuditEventTypes.UserEnabled, AuditEvent.Ok, actor, id));
        }
        if (user.Disabled)
        {
            // Also when it was disabled already: a disable that failed half-way (the row written, the sessions not) is completed.
            await revoker.RevokeAllAsync(id, null, cancellationToken);
        }
        return await DescribeAsync(user, cancellationToken);
    }

    /// <summary>Deletes the user and ends its sessions on every instance; a user already gone is not found.</summary>
    public async Task<Result<User>> DeleteAsync(long id, long? actor, CancellationToken cancellationToken)
    {
        if (await users.ReadAsync(id, cancellationToken) is not { } user)
        {
            return Failure.UserNotFound;
        }
        await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        await users.DeleteAsync(user, cancellationToken);
        logger.LogInformation("Deleted user {UserId}", user.Id);
        audit.Record(new AuditEvent(AuditEventTypes.UserDeleted, AuditEvent.Ok, actor, user.Id));
        return user;
    }

    /// <summary>Clears the account's failed-login lock (the counts of client addresses are not the account's).</summary>
    public async Task<Result<AdministeredUser>> UnlockAsync(long id, long? actor, CancellationToken cancellationToken)
    {
        if (await users.ReadAsync(id, cancellationToken) is not { } user)
        {
            return Failure.UserNotFound;
        }
        await throttle.UnlockAsync(user.UsernameNormalized, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.UserUnlocked, AuditEvent.Ok, actor, id));
        return await DescribeAsync(user, cancellationToken);
    }

    public async Task<Result<Session[]>> ListSessionsAsync(long id, CancellationToken cancellationToken)
    {
        if (await users.ReadAsync(id, cancellationToken) is null)
        {
            return Failure.UserNotFound;
        }
        return await LiveSessionsAsync(id, cancellationToken);
    }

    /// <summary>Ends every session of the user on every instance.</summary>
    public async Task<Result<int>> EndSessionsAsync(long id, long? actor, CancellationToken cancellationToken)
    {
        if (await users.ReadAsync(id, cancellationToken) is null)
        {
            return Failure.UserNotFound;
        }
        var ended = await revoker.RevokeAllAsync(id, null, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.SessionEnded, AuditEvent.Ok, actor, id));
        return ended.Count;
    }

    /// <summary>Ends one session of the user; another user's session id is not found.</summary>
    public async Task<Result<string>> EndSessionAsync(long id, string sessionId, long? actor, CancellationToken cancellationToken)
    {
        if (await users.ReadAsync(id, cancellationToken) is null)
        {
            return Failure.UserNotFound;
        }
        if (await sessions.FindAsync(id, sessionId, time.GetUtcNow(), cancellationToken) is null)
        {
            return Failure.SessionNotFound;
        }
        await revoker.RevokeAsync(id, sessionId, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.SessionEnded, AuditEvent.Ok, actor, id, sessionId));
        return sessionId;
    }

    /// <summary>Ends every session of every user (<see cref="SessionRevoker.RevokeEverySessionAsync"/>).</summary>
    public async Task<DateTimeOffset> RevokeEverySessionAsync(long? actor, CancellationToken cancellationToken)
    {
        var at = await revoker.RevokeEverySessionAsync(cancellationToken);
        logger.LogWarning("Every session started before {At:O} was ended", at);
        audit.Record(new AuditEvent(AuditEventTypes.RevokeAll, AuditEvent.Ok, actor));
        return at;
    }

    private Task<Session[]> LiveSessionsAsync(long id, CancellationToken cancellationToken) =>
        sessions.ListLiveAsync(revocations, id, time.GetUtcNow(), cancellationToken);

    private async Task<AdministeredUser> DescribeAsync(User user, CancellationToken cancellationToken) =>
        new(user, await throttle.IsLockedAsync(user.UsernameNormalized, cancellationToken), (await LiveSessionsAsync(user.Id, cancellationToken)).Length);
}
