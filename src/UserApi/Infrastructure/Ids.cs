using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace UserApi.Infrastructure;

public static class Ids
{
    private const int IdBytes = 16;
    private const int RandomBlockBytes = 64 * IdBytes;

    [ThreadStatic]
    private static byte[]? t_randomBlock;

    [ThreadStatic]
    private static int t_nextId;

    /// <summary>
    /// 128 random bits, base64url: session ids and token ids. The bits come from the system's CSPRNG a block
    /// of 64 ids at a time per thread: on Linux every <see cref="RandomNumberGenerator.Fill"/> is a call into
    /// OpenSSL's DRBG, which is itself a generator in user space, plus a <c>getpid</c> system call for its
    /// fork check, and system calls are dear on virtual machines (a refresh, which makes one id, took a fifth
    /// less server CPU without it: bench/RESULTS.md). Each id's bits are cleared from the block once
    /// encoded, so the block holds only ids not yet given out.
    /// </summary>
    public static string New()
    {
        var block = t_randomBlock;
        if (block is null || t_nextId == RandomBlockBytes)
        {
            block = t_randomBlock ??= new byte[RandomBlockBytes];
            RandomNumberGenerator.Fill(block);
            t_nextId = 0;
        }
        var bits = block.AsSpan(t_nextId, IdBytes);
        t_nextId += IdBytes;
        var id = Base64Url.EncodeToString(bits);
        bits.Clear();
        return id;
    }

    /// <summary>An id that is a one-way function of another (the access token's jti from the refresh token's), 128 bits.</summary>
    public static string Derived(string purpose, string id)
    {
        var length = Encoding.UTF8.GetMaxByteCount(purpose.Length + 1 + id.Length);
        Span<byte> utf8 = length <= 256 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(purpose, utf8);
        utf8[written++] = (byte)':';
        written += Encoding.UTF8.GetBytes(id, utf8[written..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..written], hash);
        return Base64Url.EncodeToString(hash[..IdBytes]);
    }
}
