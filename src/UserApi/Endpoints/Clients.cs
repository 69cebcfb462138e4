using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using UserApi.Accounts;
using UserApi.Configuration;

namespace UserApi.Endpoints;

/// <summary>The request's client, as the use cases record it and the rate limits count it.</summary>
public static class Clients
{
    private const int MaxUserAgentLength = 256;

    /// <summary>
    /// An IPv6 client is its /64: a host picks any address in its /64 itself (SLAAC, temporary addresses: RFC 8981),
    /// so a smaller unit would let it step out of its limit at will.
    /// </summary>
    private const int Ipv6ClientPrefix = 64;

    public static ClientInfo Of(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return new ClientInfo(
            context.Connection.RemoteIpAddress?.ToString(),
            agent.Length == 0 ? null : agent[..Math.Min(agent.Length, MaxUserAgentLength)]);
    }

    /// <summary>
    /// The client as a rate limit counts it: an IPv4 address, or an IPv6 address's /64. The address is the
    /// connection's, or the trusted proxies' <c>X-Forwarded-For</c> (the forwarded-headers middleware ran first).
    /// </summary>
    public static string NetworkOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            // Only without a socket (the service listens on TCP alone): one client, not an unlimited one.
            return "-";
        }
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; as a /64 they would all be one client.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? SecurityOptions.NetworkOf(address, Ipv6ClientPrefix).ToString()
            : address.ToString();
    }
}
