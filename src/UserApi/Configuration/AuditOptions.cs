namespace UserApi.Configuration;

/// <summary>The <c>Audit</c> section: the audit log of account and session events (<c>audit_events</c>, <c>GET /admin/audit</c>).</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>false: no event is recorded (the table and the admin route stay).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Days an event is kept; older ones are deleted by the sweeper, once an hour.</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>
    /// Events waiting to be written, at most. Recording never waits for the database: when the queue is full (the
    /// database slow or away), further events are dropped, counted (<c>userapi.audit.dropped</c>) and warned of.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Event types not recorded (e.g. <c>refresh</c>: the event a busy deployment writes most, for the least
    /// information, and whose row adds about a third to a refresh's CPU). Each must be one of <c>AuditEventTypes</c>.
    /// </summary>
    public List<string> ExcludedTypes { get; set; } = [];
}
