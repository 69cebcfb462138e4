using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Hosting;

/// <summary>Where the service listens (go-zero's <c>Host</c> and <c>Port</c>) and whose forwarded client addresses it believes.</summary>
public static class Listening
{
    public static WebApplicationBuilder AddListening(this WebApplicationBuilder builder)
    {
        // X-Forwarded-For is believed only from the configured proxies (by default from nobody), and only as
        // many hops as there are proxies: each entry further left is whatever the client chose to send.
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((forwarded, security) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = security.Value.ForwardLimit;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var proxy in security.Value.TrustedProxies)
            {
                if (SecurityOptions.TryParseTrustedProxy(proxy, out var network))
                {
                    forwarded.KnownIPNetworks.Add(network);
                }
            }
        });

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.Get<ServiceOptions>() ?? new ServiceOptions();
            if (!ServiceOptionsValidator.IsListenableHost(options.Host) || options.Port is < 1 or > 65535)
            {
                return;
            }
            kestrel.AddServerHeader = false;
            Listen(kestrel, options.Host, options.Port);
            if (options.Management.Port is { } managementPort && managementPort != options.Port
                && ServiceOptionsValidator.IsListenableHost(options.Management.Host ?? options.Host))
            {
                Listen(kestrel, options.Management.Host ?? options.Host, managementPort);
            }
        });
        return builder;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string host, int port)
    {
        switch (host)
        {
            case "*":
                kestrel.ListenAnyIP(port);
                break;
            case "localhost":
                kestrel.ListenLocalhost(port);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(host), port);
                break;
        }
    }

    /// <summary>The forwarded-headers middleware trusts every peer when it has no known proxies: it runs only with some.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }
}
