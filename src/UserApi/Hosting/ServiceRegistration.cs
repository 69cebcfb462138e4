using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Audit;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Contracts;
using UserApi.Endpoints;
using UserApi.Mfa;
using UserApi.Mail;
using UserApi.Recovery;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>The composition root: every service of UserApi, by concern.</summary>
public static class ServiceRegistration
{
    public static WebApplicationBuilder AddUserApi(this WebApplicationBuilder builder)
    {
        // With this category enabled, hosting starts an Activity and a log scope for every request, only to
        // log "Request starting/finished" at Information, which the shipped configuration filters out anyway.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // A refused token is answered with its reason; a line per refusal would let anyone flood the log.
        builder.Logging.AddFilter(typeof(AccessTokenAuthenticationHandler).FullName, LogLevel.Warning);
        builder.Services.AddSingleton<IConfigureOptions<LoggerFilterOptions>, DefaultLogLevels>();

        var services = builder.Services;
        services.AddUserApiOptions();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton(sp => DataSourceOf(sp));
        services.AddSingleton(sp => SqlDialect.For(sp.GetRequiredService<DataSource>()));
        services.AddSingleton<Migrations>();
        services.AddSingleton<SqlUserStore>();
        // Before the backends' hosted services, which the host starts after it: they need the migrated schema.
        services.AddHostedService<StartupTasks>();
        services.AddBackends();

        services.AddAuditLog();
        services.AddSingleton<RevocationList>();
        services.AddSingleton<SessionRevoker>();
        services.AddSingleton<SessionStarter>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton(sp => new HashingQueue(
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxHashWait),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Diagnostics.UserApiMetrics>()));
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton(sp => new SigningKeys(
            sp.GetRequiredService<IOptions<AuthOptions>>(), sp.GetRequiredService<IOptionsFactory<AuthOptions>>(), sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>(),
            sp.GetRequiredService<IHostEnvironment>().ContentRootPath, sp.GetRequiredService<ILogger<SigningKeys>>()));
        services.AddHostedService<ReloadSignal>();
        services.AddSingleton<TokenService>();
        services.AddAccessTokenAuthentication();
        services.AddSingleton<IntrospectionClients>();
        services.AddSingleton<AccessTokenIntrospection>();
        services.AddUserApiRateLimits();

        services.AddSingleton<Registration>();
        services.AddSingleton<Login>();
        services.AddSingleton<TokenRefresh>();
        services.AddSingleton<AnonymousAccess>();
        services.AddSingleton<UserLookup>();
        services.AddSingleton<UserSessions>();
        services.AddSingleton<PasswordChange>();
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<UserImport>();
        services.AddSingleton<MfaManagement>();
        services.AddSingleton<IMfaStore, SqlMfaStore>();
        services.AddSingleton<MfaSecrets>();
        services.AddSingleton<TotpCodes>();
        services.AddSingleton<MfaVerifier>();
        services.AddAccountRecovery();

        // The whole stop: the unready delay, then in-flight requests (GracefulShutdown).
        services.AddOptions<HostOptions>().Configure<IOptions<ServiceOptions>>((host, service) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(service.Value.ShutdownDelay + service.Value.ShutdownTimeout));
        services.AddOperations();
        services.AddUserApiOpenApi();
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UserApiJsonContext.Default);
            options.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd(ProblemResponses.CodeKey, ProblemResponses.CodeForStatus(status));
        });
        services.AddExceptionHandler<ExceptionHandling>();
        return builder.AddListening();
    }

    /// <summary>Email verification and password reset, their tokens, and the outbox that delivers their mails.</summary>
    private static void AddAccountRecovery(this IServiceCollection services)
    {
        services.AddSingleton<RecoveryMailLimit>();
        services.AddSingleton<MailOutbox>();
        services.AddSingleton(sp => new MailTemplates(sp.GetRequiredService<IOptions<MailOptions>>(),
            sp.GetRequiredService<IOptions<MailOptions>>().Value.Templates is { Length: > 0 } templates
                ? Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, templates)
                : null));
        services.AddSingleton<IMailTransport>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MailOptions>>();
            return options.Value.UsesSmtp
                ? new SmtpMailTransport(options)
                : new FileMailTransport(Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, options.Value.Directory),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileMailTransport>>());
        });
        services.AddSingleton<RecoveryTokens>();
        services.AddSingleton<ResetMailQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<ResetMailQueue>());
        services.AddHostedService<OutboxSender>();
        services.AddSingleton<EmailVerification>();
        services.AddSingleton<PasswordReset>();
    }

    /// <summary>The audit log: queued and written in batches while <c>Audit.Enabled</c>, else <see cref="DisabledAuditLog"/>; swept either way.</summary>
    private static void AddAuditLog(this IServiceCollection services)
    {
        services.AddSingleton<AuditEventStore>();
        services.AddSingleton<Microsoft.AspNetCore.Http.HttpContextAccessor>();
        services.AddSingleton<QueuedAuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value.Enabled
            ? sp.GetRequiredService<QueuedAuditLog>()
            : new DisabledAuditLog());
        // After StartupTasks (the table must exist) and before the server, so that it stops after the server's requests.
        services.AddHostedService(sp => sp.GetRequiredService<QueuedAuditLog>());
        services.AddHostedService<AuditSweeper>();
    }

    private static void AddUserApiOptions(this IServiceCollection services)
    {
        services.AddOptions<ServiceOptions>().BindConfiguration("").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceOptions>, ServiceOptionsValidator>();
        services.AddOptions<AuthOptions>().Configure<Microsoft.Extensions.Configuration.IConfiguration>(AuthOptions.Bind).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, DevelopmentSecrets>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp => new SigningKeyRingValidator(sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.AddOptions<IntrospectionOptions>().BindConfiguration(IntrospectionOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IntrospectionOptions>, IntrospectionOptionsValidator>();
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<MfaOptions>, DevelopmentMfaKey>();
        services.AddSingleton<IValidateOptions<MfaOptions>, MfaOptionsValidator>();
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsValidator>();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
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
