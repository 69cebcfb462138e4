using Microsoft.AspNetCore.Http;
using UserApi.Accounts;

namespace UserApi.Endpoints;

/// <summary>The request's client, as the use cases record it.</summary>
public static class Clients
{
    private const int MaxUserAgentLength = 256;

    public static ClientInfo Of(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return new ClientInfo(
            context.Connection.RemoteIpAddress?.ToString(),
            agent.Length == 0 ? null : agent[..Math.Min(agent.Length, MaxUserAgentLength)]);
    }
}
