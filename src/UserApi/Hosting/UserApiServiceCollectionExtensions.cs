using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Contracts;
using UserApi.Endpoints;
using UserApi.Passwords;
using UserApi.Redis;
using UserApi.Security;
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

        // With this category enabled, hosting starts an Activity and a log scope for every request, only to
        // log "Request starting/finished" at Information, which the shipped configuration filters out anyway.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        services.AddOptions<ServiceOptions>().BindConfiguration("").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        services.AddOptions<AuthOptions>().Configure<Microsoft.Extensions.Configuration.IConfiguration>(AuthOptions.Bind).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, DevelopmentSecrets>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => DataSourceOf(sp));
        services.AddSingleton(sp => SqlDialect.For(sp.GetRequiredService<DataSource>()));
        services.AddSingleton<Migrations>();
        services.AddSingleton<SqlUserStore>();
        services.AddSingleton<UserApiMetrics>();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            RedisConnection.Connect(sp.GetRequiredService<IOptions<ServiceOptions>>().Value.CacheRedis, sp.GetRequiredService<IOptions<ServiceOptions>>().Value.Name));
        // CacheRedis selects production mode: the goctl-style user cache and Redis sessions.
        services.AddSingleton<IUserChangeFeed>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisUserChangeFeed>(sp)
            : new LocalUserChangeFeed());
        services.AddSingleton<IUserStore>(sp => ActivatorUtilities.CreateInstance<LocalUserCache>(sp, UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<CachedUserStore>(sp, sp.GetRequiredService<SqlUserStore>())
            : sp.GetRequiredService<SqlUserStore>()));
        services.AddSingleton<ISessionStore>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisSessionStore>(sp)
            : ActivatorUtilities.CreateInstance<InMemorySessionStore>(sp));
        services.AddSingleton<RevocationList>();
        services.AddSingleton<IRevocationFeed>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisRevocationFeed>(sp)
            : new LocalRevocationFeed());
        services.AddSingleton<SessionRevoker>();
        services.AddSingleton<ILoginFailureStore>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisLoginFailureStore>(sp)
            : ActivatorUtilities.CreateInstance<InMemoryLoginFailureStore>(sp));
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<CachingTokenHandler>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<UserImport>();
        services.AddHostedService<StartupTasks>();
        services.AddHostedService<NativeHeapTrimmer>();
        services.AddSingleton<PrometheusMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<PrometheusMetrics>());
        services.AddUserApiOpenApi();
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
        // X-Forwarded-For is believed only from the configured proxies; by default from nobody.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = 1;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in security.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    forwarded.KnownProxies.Add(address);
                }
            }
        });

        // Authentication is a middleware of this service's own (AccessTokenAuthentication): no scheme, no
        // handler, and no DataProtection, which AddAuthentication() would add with a hosted service that
        // writes a key ring (~/.aspnet/DataProtection-Keys) at every start. Authorization is ASP.NET Core's.
        services.AddAuthorizationBuilder()
            .AddPolicy(UserEndpoints.RegisteredUserPolicy, policy => policy.AddRequirements(RegisteredUserRequirement.Instance));
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, AccessTokenPolicyEvaluator>());
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, AccessTokenAuthorizationResults>());

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
        // The forwarded-headers middleware trusts every peer when it has no known proxies: run it only with some.
        if (app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        // Everything this service answers is about credentials: no browser or proxy may cache it (RFC 6749 §5.1).
        app.Use((context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Pragma = "no-cache";
            return next(context);
        });
        app.UseMiddleware<AccessTokenAuthentication>();
        app.UseAuthorization();
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Operations");
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable },
        });
        PrometheusMetrics.Map(app);
        app.MapUserApiOpenApi();
        app.MapUserApi();
        return app;
    }

    /// <summary>
    /// Runs the service. Configuration is checked first, every section at once, so a mistake prints one
    /// line per problem and exits 2 (go-zero's MustLoad) instead of a host start-up stack trace.
    /// </summary>
    public static async Task<int> RunUserApiAsync(this WebApplication app, CommandLine commandLine)
    {
        var problems = ProblemsOf<ServiceOptions>(app.Services).Concat(ProblemsOf<AuthOptions>(app.Services))
            .Concat(ProblemsOf<SecurityOptions>(app.Services)).ToList();
        if (problems.Count > 0)
        {
            return ReportConfigurationProblems(problems);
        }
        switch (commandLine.Command)
        {
            case "migrate":
                return await MigrateAsync(app.Services);
            case "import":
                return await ImportUsersAsync(app.Services, commandLine.Argument);
            case "disable" or "enable" or "delete":
                return await ManageUserAsync(app.Services, commandLine.Command, commandLine.Argument);
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
        catch (Exception e) when (StoreOutage.Is(e))
        {
            Console.Error.WriteLine($"{dataSource.Describe()}: migration failed: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// <c>user-api import FILE</c> (or <c>-</c> for standard input): users of another system, one JSON object a
    /// line (<c>{"id":1,"username":"alice","passwordHash":"$2a$10$…","role":"user"}</c>). Exit code 0 when no
    /// line was refused; users already present count as done, so a run can be repeated.
    /// </summary>
    private static async Task<int> ImportUsersAsync(IServiceProvider services, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            Console.Error.WriteLine("usage: user-api import FILE|- [-f etc/user-api.yaml]   (one JSON object a line: id, username, passwordHash, role, disabled)");
            return 2;
        }
        if (file != "-" && !File.Exists(file))
        {
            Console.Error.WriteLine($"{file}: no such file.");
            return 2;
        }
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        using var input = file == "-" ? Console.In : new StreamReader(file);
        var summary = await services.GetRequiredService<UserImport>().ImportJsonLinesAsync(input, Console.Error, CancellationToken.None);
        Console.WriteLine($"{(file == "-" ? "standard input" : file)}: {summary.Imported} imported, {summary.AlreadyPresent} already present, {summary.Refused} refused.");
        return summary.Refused == 0 ? 0 : 1;
    }

    /// <summary>
    /// <c>user-api disable|enable|delete USERNAME</c>. Disabling or deleting ends the account's sessions on
    /// every instance at once (through Redis; in embedded mode only the server process itself could).
    /// </summary>
    private static async Task<int> ManageUserAsync(IServiceProvider services, string command, string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            Console.Error.WriteLine($"usage: user-api {command} USERNAME [-f etc/user-api.yaml]");
            return 2;
        }
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        await services.GetRequiredService<IRevocationFeed>().StartAsync(CancellationToken.None);
        var accounts = services.GetRequiredService<AccountService>();
        var result = command switch
        {
            "delete" => await accounts.DeleteAsync(username, CancellationToken.None),
            _ => await accounts.SetDisabledAsync(username, command == "disable", CancellationToken.None),
        };
        if (result.Error is not null)
        {
            Console.Error.WriteLine($"No user named '{username}'.");
            return 1;
        }
        Console.WriteLine($"User {result.Value!.Id} ({result.Value.Username}): {command}d{(command == "enable" ? "" : "; its sessions are ended")}.");
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
