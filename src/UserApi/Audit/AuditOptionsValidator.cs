using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Audit;

/// <summary>Start-up checks of the <c>Audit</c> section, a line per problem.</summary>
public sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var problems = new List<string>();
        if (options.RetentionDays < 1)
        {
            problems.Add($"Audit.RetentionDays is {options.RetentionDays}: keep events at least 1 day (default 90).");
        }
        if (options.QueueCapacity < 1)
        {
            problems.Add($"Audit.QueueCapacity is {options.QueueCapacity}: it must be at least 1 (default 10000).");
        }
        foreach (var type in options.ExcludedTypes.Where(type => !AuditEventTypes.All.Contains(type)))
        {
            problems.Add($"Audit.ExcludedTypes names \"{type}\", which is not an audit event type (one of: {string.Join(", ", AuditEventTypes.All.Order())}).");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
