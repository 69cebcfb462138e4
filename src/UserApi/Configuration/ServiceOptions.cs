namespace UserApi.Configuration;

/// <summary>
/// The top-level keys of <c>etc/user-api.yaml</c>: go-zero's <c>rest.RestConf</c> (Name, Host, Port)
/// plus the seed's <c>DataSource</c> and <c>CacheRedis</c>.
/// </summary>
public sealed class ServiceOptions
{
    public string Name { get; set; } = "user-api";

    public string Host { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 8888;

    /// <summary>A go-sql-driver DSN, an ADO.NET MySQL connection string or <c>sqlite:PATH</c>; absent means SQLite under <c>data/</c>.</summary>
    public string? DataSource { get; set; }

    /// <summary>go-zero's <c>cache.CacheConf</c>: absent or empty means in-process sessions and counters.</summary>
    public List<RedisNodeOptions> CacheRedis { get; set; } = [];

    public ManagementOptions Management { get; set; } = new();

    /// <summary>
    /// Seconds between SIGTERM (or any stop) and closing the listener, while <c>/readyz</c> already answers 503 and
    /// requests are still served: a load balancer needs a probe interval or two to stop sending new ones. 0: none.
    /// </summary>
    public int ShutdownDelay { get; set; }

    /// <summary>Seconds in-flight requests may take to finish once the listener is closed; longer ones are aborted.</summary>
    public int ShutdownTimeout { get; set; } = 20;
}

/// <summary>
/// The <c>Management</c> section: an optional port of its own for what only operators read (metrics, the OpenAPI
/// document and its reference page), so that the public port need not expose them.
/// </summary>
public sealed class ManagementOptions
{
    /// <summary>Absent: everything is served on <c>Port</c>.</summary>
    public int? Port { get; set; }

    /// <summary>Absent: the service's <c>Host</c>.</summary>
    public string? Host { get; set; }
}

/// <summary>One entry of <c>CacheRedis</c>, as go-zero's <c>redis.RedisConf</c>.</summary>
public sealed class RedisNodeOptions
{
    public string Host { get; set; } = "";

    /// <summary><c>node</c> or <c>cluster</c>.</summary>
    public string Type { get; set; } = "node";

    public string Pass { get; set; } = "";

    public bool Tls { get; set; }
}
