namespace UserApi.Accounts;

/// <summary>Where a request came from: counted by the login throttle and recorded on the session it creates.</summary>
public sealed record ClientInfo(string? Ip, string? UserAgent);
