using UserApi.Configuration;
using UserApi.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    var commandLine = builder.AddUserApiConfiguration(args);
    builder.AddUserApi();

    var app = builder.Build();
    app.UseUserApi();
    return await app.RunUserApiAsync(commandLine);
}
catch (ConfigurationProblemsException e)
{
    return UserApiServiceCollectionExtensions.ReportConfigurationProblems(e.Problems);
}

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
