using UserApi.Configuration;
using UserApi.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddUserApiConfiguration(args);
    builder.AddUserApi();

    var app = builder.Build();
    app.UseUserApi();
    return await app.RunUserApiAsync();
}
catch (ConfigurationProblemsException e)
{
    return UserApiServiceCollectionExtensions.ReportConfigurationProblems(e.Problems);
}

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
