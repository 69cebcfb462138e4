using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace UserApi.Redis;

/// <summary>
/// A Lua script sent by its SHA1 (EVALSHA) rather than its text: the script is not re-sent, and the client
/// does not look its text up per call (on the refresh path that look-up hashed a 2 KB string every time).
/// A server that does not know the script yet (first use, a restart, a failover, a new cluster node)
/// answers NOSCRIPT, and the script is then sent once in full (EVAL), which also caches it there.
/// </summary>
public sealed class RedisScript(string source)
{
    /// <summary>
    /// Lua: <c>clock()</c>, Redis's own time in Unix milliseconds. Scripts compare and score by it rather than
    /// by a caller's clock, so that instances whose clocks differ still agree.
    /// </summary>
    public const string Clock =
        """
        local function clock()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        """;

    // SHA1 is what Redis names scripts by (EVALSHA); it identifies the text, it protects nothing.
    private readonly byte[] _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(source));

    public async Task<RedisResult> EvaluateAsync(IDatabase database, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await database.ScriptEvaluateAsync(_sha1, keys, values);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(source, keys, values);
        }
    }
}
