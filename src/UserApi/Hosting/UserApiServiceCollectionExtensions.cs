using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Contracts;
using UserApi.Endpoints;
using UserApi.Passwords;
using UserApi.Redis;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Hosting;

public static class UserApiServiceCollectionExtensions
{
    private const string ReadyTag = "ready";

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
        services.AddSingleton<SqlUserStore>();
        services.AddSingleton<UserApiMetrics>();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnection.Connect(sp.GetRequiredService<IOptions<ServiceOptions>>().Value.CacheRedis, sp.GetRequiredService<IOptions<ServiceOptions>>().Value.Name));
        // CacheRedis selects production mode: the goctl-style user cache and Redis sessions.
        services.AddSingleton<IUserStore>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<CachedUserStore>(sp, sp.GetRequiredService<SqlUserStore>())
            : sp.GetRequiredService<SqlUserStore>());
        services.AddSingleton<ISessionStore>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisSessionStore>(sp)
            : ActivatorUtilities.CreateInstance<InMemorySessionStore>(sp));
        services.AddSingleton<RevocationList>();
        services.AddSingleton<IRevocationFeed>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisRevocationFeed>(sp)
            : new LocalRevocationFeed());
        services.AddSingleton<SessionRevoker>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<AccountService>();
        services.AddHostedService<StartupTasks>();
        services.AddHealthChecks()
            .AddCheck<DatabaseReadinessCheck>("database", tags: [ReadyTag])
            .AddCheck<RedisReadinessCheck>("redis", tags: [ReadyTag]);

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
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable },
        });
        app.MapUserApi();
        return app;
    }

    /// <summary>
    /// Runs the service. Configuration is checked first, every section at once, so a mistake prints one
    /// line per problem and exits 2 (go-zero's MustLoad) instead of a host start-up stack trace.
    /// </summary>
    public static async Task<int> RunUserApiAsync(this WebApplication app, CommandLine commandLine)
    {
        var problems = ProblemsOf<ServiceOptions>(app.Services).Concat(ProblemsOf<AuthOptions>(app.Services)).ToList();
        if (problems.Count > 0)
        {
            return ReportConfigurationProblems(problems);
        }
        switch (commandLine.Command)
        {
            case "migrate":
                return await MigrateAsync(app.Services);
            case "disable" or "enable":
                return await SetDisabledAsync(app.Services, commandLine.Argument, commandLine.Command == "disable");
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary><c>user-api migrate</c>: applies the schema migrations and exits, for deployments that migrate before rolling out.</summary>
    private static async Task<int> MigrateAsync(IServiceProvider services)
    {
        var dataSource = services.GetRequiredService<DataSource>();
        try
        {
            var applied = await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
            Console.WriteLine($"{dataSource.Describe()}: {applied} migration(s) applied; schema at version {Migrations.All.Max(m => m.Version)}.");
            return 0;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            Console.Error.WriteLine($"{dataSource.Describe()}: migration failed: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// <c>user-api disable USERNAME</c>: the account can no longer log in or refresh, and its sessions end on
    /// every instance at once (through Redis; in embedded mode only a running server's own process can do that).
    /// </summary>
    private static async Task<int> SetDisabledAsync(IServiceProvider services, string? username, bool disabled)
    {
        if (string.IsNullOrEmpty(username))
        {
            Console.Error.WriteLine($"usage: user-api {(disabled ? "disable" : "enable")} USERNAME [-f etc/user-api.yaml]");
            return 2;
        }
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        if (disabled)
        {
            await services.GetRequiredService<IRevocationFeed>().StartAsync(CancellationToken.None);
        }
        var result = await services.GetRequiredService<AccountService>().SetDisabledAsync(username, disabled, CancellationToken.None);
        if (result.Error is not null)
        {
            Console.Error.WriteLine($"No user named '{username}'.");
            return 1;
        }
        Console.WriteLine($"User {result.Value!.Id} ({result.Value.Username}) {(disabled ? "disabled; its sessions are ended" : "enabled")}.");
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

    private static bool UsesRedis(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ServiceOptions>>().Value.CacheRedis.Count > 0;

    private static DataSource DataSourceOf(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ServiceOptions>>().Value;
        var root = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        return DataSource.TryParse(options.DataSource, root, out var dataSource, out var error)
            ? dataSource
            : throw new OptionsValidationException(nameof(ServiceOptions.DataSource), typeof(ServiceOptions), [error]);
    }
}
