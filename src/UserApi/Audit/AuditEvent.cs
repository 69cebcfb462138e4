using System.Collections.Frozen;
using System.Reflection;

namespace UserApi.Audit;

/// <summary>
/// Something that happened to an account or a session, for the audit log: what, with which outcome, done by whom
/// (the actor: the user themselves, an admin, or none for the CLI) to whom (the subject). Never a password, a hash
/// or a token. The client's address, user agent and request id are taken from the request being answered.
/// </summary>
/// <param name="Outcome">"ok", or the problem code the request was answered with (e.g. <c>invalid_credentials</c>).</param>
public sealed record AuditEvent(string Type, string Outcome, long? ActorUserId = null, long? SubjectUserId = null, string? SessionId = null)
{
    public const string Ok = "ok";
}

/// <summary>The event types, one name each, as stored in <c>audit_events.type</c>.</summary>
public static class AuditEventTypes
{
    public const string Register = "register";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string LoginRateLimited = "login.rate_limited";
    public const string Refresh = "refresh";
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string Logout = "logout";
    public const string LogoutAll = "logout_all";
    public const string SessionEnded = "session.ended";
    public const string PasswordChanged = "password.changed";
    public const string UserCreated = "user.created";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string RoleChanged = "user.role_changed";
    public const string UserUnlocked = "user.unlocked";
    public const string Import = "import";
    public const string RevokeAll = "sessions.revoke_all";
    public const string EmailSet = "email.set";
    public const string EmailVerified = "email.verified";
    public const string PasswordResetRequested = "password.reset_requested";
    public const string PasswordReset = "password.reset";
    public const string MfaEnabled = "mfa.enabled";
    public const string MfaDisabled = "mfa.disabled";
    public const string MfaReset = "mfa.reset";
    public const string RecoveryCodesReplaced = "mfa.recovery_codes_replaced";
    public const string MfaChallengeFailed = "mfa.challenge_failed";

    /// <summary>Every type above: what <c>Audit.ExcludedTypes</c> may name.</summary>
    public static readonly FrozenSet<string> All = typeof(AuditEventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral).Select(field => (string)field.GetRawConstantValue()!).ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>Where use cases report audit events. Recording never waits on storage and never fails the request.</summary>
public interface IAuditLog
{
    void Record(AuditEvent auditEvent);
}

/// <summary>The audit log when auditing is off: events are dropped on purpose, not lost.</summary>
public sealed class DisabledAuditLog : IAuditLog
{
    public void Record(AuditEvent auditEvent)
    {
    }
}
