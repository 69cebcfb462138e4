using UserApi.Configuration;
using UserApi.Hosting;
using UserApi.Hosting.Cli;
using UserApi.Infrastructure;

try
{
    var builder = WebApplication.CreateBuilder(args);
    var commandLine = builder.AddUserApiConfiguration(args);
    if (commandLine.IsHelp)
    {
        Console.WriteLine(CommandRunner.Usage);
        return 0;
    }
    builder.AddUserApi();

    var app = builder.Build();
    app.UseUserApi();
    return await app.RunUserApiAsync(commandLine);
}
catch (ConfigurationProblemsException e)
{
    return CommandRunner.ReportConfigurationProblems(e.Problems);
}
catch (Exception e) when (StoreOutage.Is(e))
{
    // A store out of reach at start-up (the host has logged the details): exit 1 with one line, as
    // `user-api migrate` does, rather than abort on an unhandled exception.
    Console.Error.WriteLine($"user-api did not start: {e.Message}");
    return 1;
}

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
