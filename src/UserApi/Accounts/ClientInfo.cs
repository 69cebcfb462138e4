using Microsoft.AspNetCore.Http;

namespace UserApi.Accounts;

/// <summary>Where a request came from, as recorded on the session it creates.</summary>
public sealed record ClientInfo(string? Ip, string? UserAgent)
{
    private const int MaxUserAgentLength = 256;

    public static ClientInfo From(HttpContext context)
    {
        var agent = context.Request.Headers.UserAgent.ToString();
        return new ClientInfo(
            context.Connection.RemoteIpAddress?.ToString(),
            agent.Length == 0 ? null : agent[..Math.Min(agent.Length, MaxUserAgentLength)]);
    }
}
