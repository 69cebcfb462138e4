using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Contracts;
using UserApi.Endpoints;
using UserApi.Passwords;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Hosting;

public static class UserApiServiceCollectionExtensions
{
    /// <summary>Everything the service needs, chosen from configuration when first resolved (so tests can override it).</summary>
    public static WebApplicationBuilder AddUserApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<ServiceOptions>().BindConfiguration("").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        services.AddOptions<AuthOptions>().Configure<Microsoft.Extensions.Configuration.IConfiguration>(AuthOptions.Bind).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, DevelopmentSecrets>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => DataSourceOf(sp));
        services.AddSingleton(sp => SqlDialect.For(sp.GetRequiredService<DataSource>()));
        services.AddSingleton<Migrations>();
        services.AddSingleton<IUserStore, SqlUserStore>();
        services.AddSingleton<ISessionStore, InMemorySessionStore>();
        services.AddSingleton<RevocationList>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<AccountService>();
        services.AddHostedService<StartupTasks>();

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UserApiJsonContext.Default);
            options.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd(Problems.CodeKey, Problems.CodeForStatus(status));
        });
        services.AddExceptionHandler<ExceptionHandling>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, AuthenticationSetup>();
        services.AddAuthorizationBuilder()
            .AddPolicy(UserEndpoints.RegisteredUserPolicy, policy => policy.RequireClaim(TokenClaims.UserId));

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.Get<ServiceOptions>() ?? new ServiceOptions();
            if (!ServiceOptionsValidator.IsListenableHost(options.Host) || options.Port is < 1 or > 65535)
            {
                return;
            }
            kestrel.AddServerHeader = false;
            switch (options.Host)
            {
                case "*":
                    kestrel.ListenAnyIP(options.Port);
                    break;
                case "localhost":
                    kestrel.ListenLocalhost(options.Port);
                    break;
                default:
                    kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
                    break;
            }
        });
        return builder;
    }

    public static WebApplication UseUserApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Operations");
        app.MapUserApi();
        return app;
    }

    /// <summary>
    /// Runs the service. Configuration is checked first, every section at once, so a mistake prints one
    /// line per problem and exits 2 (go-zero's MustLoad) instead of a host start-up stack trace.
    /// </summary>
    public static async Task<int> RunUserApiAsync(this WebApplication app)
    {
        var problems = ProblemsOf<ServiceOptions>(app.Services).Concat(ProblemsOf<AuthOptions>(app.Services)).ToList();
        if (problems.Count > 0)
        {
            return ReportConfigurationProblems(problems);
        }
        await app.RunAsync();
        return 0;
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

    public static int ReportConfigurationProblems(IEnumerable<string> problems)
    {
        Console.Error.WriteLine("user-api cannot start; fix the configuration:");
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"  - {problem}");
        }
        return 2;
    }

    private static DataSource DataSourceOf(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var root = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        return DataSource.TryParse(options.DataSource, root, out var dataSource, out var error)
            ? dataSource
            : throw new OptionsValidationException(nameof(ServiceOptions.DataSource), typeof(ServiceOptions), [error]);
    }
}
