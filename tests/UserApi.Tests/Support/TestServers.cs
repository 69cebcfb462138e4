using System.Security.Cryptography;

namespace UserApi.Tests.Support;

/// <summary>
/// The servers scripts/test.sh starts, by the addresses it exports. A test that needs one that is not
/// there fails with a message saying so: it is never skipped.
/// </summary>
public static class TestServers
{
    /// <summary>One database per test run, shared by its MySQL fixtures (tests make unique users).</summary>
    public static readonly string DatabaseName = $"user_api_tests_{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    public static string MySql => Required("USERAPI_TEST_MYSQL", "MariaDB");

    public static string MySqlDataSource => $"{MySql};Database={DatabaseName}";

    public static string Redis => Required("USERAPI_TEST_REDIS", "Redis");

    public static string[] RedisCluster => Required("USERAPI_TEST_REDIS_CLUSTER", "the Redis Cluster").Split(',');

    private static string Required(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{what} is not available: {variable} is not set. Run scripts/test.sh, which starts it.");
}
