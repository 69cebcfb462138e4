using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Seed 003's refresh: the refresh token rotates; a spent one ends the session (reuse detection).</summary>
public sealed class TokenRefresh(
    IUserStore users,
    ISessionStore sessions,
    SessionRevoker revoker,
    RevocationList revocations,
    TokenService tokens,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<TokenRefresh> logger)
{
    public async Task<Result<TokenPair>> RefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (Required.Missing(("refreshToken", refreshToken)) is { } missing)
        {
            return missing;
        }

        var (claims, failure) = await tokens.ValidateRefreshTokenAsync(refreshToken!);
        if (claims is null)
        {
            return Failure.ForToken(failure);
        }

        var user = await users.FindByIdAsync(claims.UserId, cancellationToken);
        if (user is null || user.Disabled)
        {
            await revoker.RevokeAsync(claims.UserId, claims.SessionId, cancellationToken);
            return Failure.SessionRevoked;
        }

        var auth = options.Value;
        var policy = new RotationPolicy(TimeSpan.FromSeconds(auth.RefreshReuseInterval), TimeSpan.FromSeconds(auth.SessionIdleTimeout));
        var rotation = await sessions.RotateAsync(user.Id, claims.SessionId, claims.TokenId, Ids.New(), time.GetUtcNow(), policy, cancellationToken);
        switch (rotation.Status)
        {
            case RotationStatus.Rotated or RotationStatus.Replayed
                when user.Cutoff.Ends(rotation.Session!.Id, rotation.Session.CreatedAt) || revocations.EndedWithEverySession(rotation.Session.CreatedAt):
                // Ended durably, yet still in the session store: one that lost the deletion.
                await revoker.RevokeAsync(user.Id, claims.SessionId, cancellationToken);
                return Failure.SessionRevoked;
            case RotationStatus.Rotated or RotationStatus.Replayed:
                audit.Record(new AuditEvent(AuditEventTypes.Refresh, AuditEvent.Ok, user.Id, user.Id, claims.SessionId));
                return tokens.Issue(user, rotation.Session!);
            case RotationStatus.Reused:
                // A spent refresh token in use means the family leaked (RFC 9700 §4.14.2): end it all.
                revoker.MarkRevoked(new EndedSessions([claims.SessionId], rotation.RevokedUntil));
                logger.LogWarning("Refresh token reuse for user {UserId}: session {SessionId} revoked", user.Id, claims.SessionId);
                audit.Record(new AuditEvent(AuditEventTypes.RefreshTokenReused, Failure.RefreshTokenReused.Code, SubjectUserId: user.Id, SessionId: claims.SessionId));
                return Failure.RefreshTokenReused;
            default:
                return Failure.SessionRevoked;
        }
    }
}
