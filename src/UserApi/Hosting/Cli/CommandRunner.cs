using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Hosting.Cli;

/// <summary>
/// What <c>user-api [COMMAND]</c> does once the host is built: serve (no command), or one of the
/// administrative commands, which use the same services and configuration as the server and then exit.
/// </summary>
public static class CommandRunner
{
    public const string Usage =
        """
        usage: user-api [COMMAND] [-f etc/user-api.yaml] [--Section:Key=value ...]

        commands:
          serve              run the service (the default)
          migrate            apply the schema migrations and exit
          import FILE|-      import users of another system, one JSON object a line
          disable USERNAME   disable an account and end its sessions
          enable USERNAME    enable an account
          delete USERNAME    delete an account and end its sessions
          user add USERNAME [--role ROLE]
                             create an account; its password is read from standard input
          user set-role USERNAME ROLE
                             change an account's role (user, admin)
          help               print this text

        Configuration: the YAML file (-f), then UserApi__Section__Key environment variables, then --Section:Key=value.
        """;

    /// <summary>
    /// Configuration is checked first, every section at once, so a mistake prints one line per problem and
    /// exits 2 (go-zero's MustLoad) instead of a host start-up stack trace.
    /// </summary>
    public static async Task<int> RunUserApiAsync(this WebApplication app, CommandLine commandLine)
    {
        var problems = ProblemsOf<ServiceOptions>(app.Services).Concat(ProblemsOf<AuthOptions>(app.Services))
            .Concat(ProblemsOf<SecurityOptions>(app.Services)).Concat(ProblemsOf<IntrospectionOptions>(app.Services)).Concat(ProblemsOf<MfaOptions>(app.Services))
            .Concat(ProblemsOf<AuditOptions>(app.Services)).ToList();
        if (problems.Count > 0)
        {
            return ReportConfigurationProblems(problems);
        }
        switch (commandLine.Command)
        {
            case "migrate":
                return await MigrateCommand.RunAsync(app.Services);
            case "import":
                return await ThenDrainAsync(app, ImportCommand.RunAsync(app.Services, commandLine.Argument));
            case "disable" or "enable" or "delete":
                return await ThenDrainAsync(app, UserCommand.RunAsync(app.Services, commandLine.Command, commandLine.Argument));
            case "user":
                return await ThenDrainAsync(app, UserCommand.RunUserAsync(app.Services, commandLine.Operands, commandLine.Role, Console.In));
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary>A command that wrote users exits without the server's stop: its pending cache invalidations and audit events are written here.</summary>
    private static async Task<int> ThenDrainAsync(WebApplication app, Task<int> command)
    {
        var exitCode = await command;
        await app.Services.GetRequiredService<GracefulShutdown>().DrainCacheAsync();
        await app.Services.GetRequiredService<Audit.QueuedAuditLog>().FlushAsync(CancellationToken.None);
        return exitCode;
    }

    public static int ReportConfigurationProblems(IEnumerable<string> problems)
    {
        Console.Error.WriteLine("user-api cannot start; fix the configuration:");
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"  - {problem}");
        }
        return 2;
    }

    private static IEnumerable<string> ProblemsOf<TOptions>(IServiceProvider services) where TOptions : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<TOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return e.Failures;
        }
    }
}
