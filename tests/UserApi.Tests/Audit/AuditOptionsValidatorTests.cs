using UserApi.Audit;
using UserApi.Configuration;

namespace UserApi.Tests.Audit;

/// <summary>The <c>Audit</c> section's start-up checks: a line naming each key out of range, none for the defaults.</summary>
public sealed class AuditOptionsValidatorTests
{
    [Fact]
    public void TheDefaultsPass() => Assert.True(new AuditOptionsValidator().Validate(null, new AuditOptions()).Succeeded);

    [Fact]
    public void EachKeyOutOfRangeIsNamed()
    {
        var result = new AuditOptionsValidator().Validate(null, new AuditOptions { RetentionDays = 0, QueueCapacity = -1 });

        Assert.True(result.Failed);
        Assert.Collection(result.Failures!,
            line => Assert.StartsWith("Audit.RetentionDays is 0", line),
            line => Assert.StartsWith("Audit.QueueCapacity is -1", line));
    }

    [Fact]
    public void AnExcludedTypeMustBeAnEventType()
    {
        var validator = new AuditOptionsValidator();

        Assert.True(validator.Validate(null, new AuditOptions { ExcludedTypes = [AuditEventTypes.Refresh, AuditEventTypes.LoginFailed] }).Succeeded);
        var result = validator.Validate(null, new AuditOptions { ExcludedTypes = [AuditEventTypes.Refresh, "Refresh"] });
        Assert.True(result.Failed);
        Assert.StartsWith("Audit.ExcludedTypes names \"Refresh\", which is not an audit event type (one of: ", Assert.Single(result.Failures!));
    }
}
