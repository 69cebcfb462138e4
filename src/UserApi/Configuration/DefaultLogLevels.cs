using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>
/// The shipped file's log levels (<c>Default: Information</c>, <c>Microsoft.AspNetCore: Warning</c>) for a
/// configuration that sets none, as the seeds' YAML files do: ASP.NET Core's own default would write several
/// Information lines per request, a flood of log under load. Any configured level, general or per provider,
/// leaves the levels to the configuration.
/// </summary>
public sealed class DefaultLogLevels(IConfiguration configuration) : IConfigureOptions<LoggerFilterOptions>
{
    public const string AspNetCoreCategory = "Microsoft.AspNetCore";

    public void Configure(LoggerFilterOptions options)
    {
        var logging = configuration.GetSection("Logging");
        if (logging.GetSection("LogLevel").Exists() || logging.GetChildren().Any(provider => provider.GetSection("LogLevel").Exists()))
        {
            return;
        }
        options.MinLevel = LogLevel.Information;
        options.Rules.Add(new LoggerFilterRule(providerName: null, categoryName: AspNetCoreCategory, logLevel: LogLevel.Warning, filter: null));
    }
}
