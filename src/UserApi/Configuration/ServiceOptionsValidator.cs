using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>Start-up checks of the top-level keys: Host, Port, DataSource, CacheRedis, Management, ShutdownDelay and ShutdownTimeout.</summary>
public sealed class ServiceOptionsValidator(IHostEnvironment environment) : IValidateOptions<ServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceOptions options)
    {
        var problems = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            problems.Add($"Port is {options.Port}: use a TCP port between 1 and 65535.");
        }
        if (!IsListenableHost(options.Host))
        {
            problems.Add($"Host '{options.Host}' is not an IP address, 'localhost' or '*': use e.g. 0.0.0.0 or 127.0.0.1.");
        }
        if (!DataSource.TryParse(options.DataSource, environment.ContentRootPath, out _, out var error))
        {
            problems.Add(error);
        }
        if (options.Management.Port is { } managementPort && (managementPort is < 1 or > 65535 || managementPort == options.Port))
        {
            problems.Add($"Management.Port is {managementPort}: use a TCP port between 1 and 65535 other than Port ({options.Port}), or leave it out to serve everything on Port.");
        }
        if (options.Management.Host is { } managementHost && !IsListenableHost(managementHost))
        {
            problems.Add($"Management.Host '{managementHost}' is not an IP address, 'localhost' or '*': use e.g. 127.0.0.1, or leave it out to use Host.");
        }
        if (options.ShutdownDelay is < 0 or > 300)
        {
            problems.Add($"ShutdownDelay is {options.ShutdownDelay}: use a number of seconds from 0 to 300 (0 is the default; about two readiness-probe intervals behind a load balancer).");
        }
        if (options.ShutdownTimeout is < 0 or > 3600)
        {
            problems.Add($"ShutdownTimeout is {options.ShutdownTimeout}: use a number of seconds from 0 to 3600 (20 is the default).");
        }
        for (var i = 0; i < options.CacheRedis.Count; i++)
        {
            var node = options.CacheRedis[i];
            if (string.IsNullOrWhiteSpace(node.Host))
            {
                problems.Add($"CacheRedis[{i}].Host is empty: use host:port, e.g. 127.0.0.1:6379.");
            }
            if (node.Type is not ("node" or "cluster"))
            {
                problems.Add($"CacheRedis[{i}].Type is '{node.Type}': use node or cluster.");
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static bool IsListenableHost(string host) =>
        host is "*" or "localhost" || IPAddress.TryParse(host, out _);
}
