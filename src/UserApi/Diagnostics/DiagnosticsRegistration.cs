using Microsoft.Extensions.DependencyInjection;

namespace UserApi.Diagnostics;

/// <summary>The service's instruments, their Prometheus exporter and the native-heap trimmer.</summary>
public static class DiagnosticsRegistration
{
    public static IServiceCollection AddUserApiDiagnostics(this IServiceCollection services)
    {
        services.AddSingleton<UserApiMetrics>();
        services.AddSingleton<PrometheusMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<PrometheusMetrics>());
        services.AddHostedService<NativeHeapTrimmer>();
        return services;
    }
}
