using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace UserApi.Configuration;

public static class UserApiConfiguration
{
    public const string EnvironmentPrefix = "UserApi__";

    /// <summary>
    /// Layers the configuration as go-zero users expect: the YAML file (<c>-f</c>), then
    /// <c>UserApi__Section__Key</c> environment variables, then <c>--Section:Key=value</c> arguments.
    /// </summary>
    public static CommandLine AddUserApiConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var commandLine = CommandLine.Parse(args);
        var path = Path.GetFullPath(commandLine.ConfigFile, builder.Environment.ContentRootPath);
        if (commandLine.ConfigFileGiven && !File.Exists(path))
        {
            throw new ConfigurationProblemsException([$"Config file {commandLine.ConfigFile} does not exist (resolved to {path})."]);
        }

        // Unprefixed environment variables would let a stray HOST or PORT in the environment override the file.
        var sources = builder.Configuration.Sources;
        for (var i = sources.Count - 1; i >= 0; i--)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                sources.RemoveAt(i);
            }
        }

        if (File.Exists(path))
        {
            builder.Configuration.AddYamlFile(path, reloadOnChange: true);
        }
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(commandLine.Rest);
        return commandLine;
    }
}

/// <summary>Configuration that cannot start the service; each entry names a key and its fix.</summary>
public sealed class ConfigurationProblemsException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
