using System.Buffers.Binary;
using UserApi.Passwords;

namespace UserApi.Tests.Passwords;

/// <summary>Hashes from other systems: published vectors of the implementations that made them, not hashes made by the code under test.</summary>
public sealed class ImportedPasswordHashesTests
{
    /// <summary>From the test suite of Go's golang.org/x/crypto/bcrypt, which go-zero's user-api hashes with.</summary>
    public const string GoBcrypt = "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga";
    public const string GoBcryptPassword = "allmine";

    /// <summary>From ASP.NET Core Identity's PasswordHasherTest: v2 (HMAC-SHA1), v3 with HMAC-SHA256 and 10,000 iterations, v3 with HMAC-SHA512 and 50 iterations.</summary>
    public const string IdentityV2 = "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==";
    public const string IdentityV3Sha256 = "AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==";
    public const string IdentityV3Sha512 = "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw";
    public const string IdentityPassword = "my password";

    private readonly PasswordHasher _hasher = new();

    [Theory]
    [InlineData("$2a$")]
    [InlineData("$2b$")]
    [InlineData("$2y$")]
    public async Task ABcryptHashFromGoVerifiesAndAsksForArgon2id(string prefix)
    {
        var hash = prefix + GoBcrypt[4..];
        Assert.Equal(PasswordHashFormat.Bcrypt, ImportedPasswordHashes.FormatOf(hash));
        Assert.Equal(PasswordVerification.SucceededRehashNeeded, await _hasher.VerifyAsync(hash, GoBcryptPassword));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "allminE"));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, ""));
    }

    [Theory]
    [InlineData(IdentityV2)]
    [InlineData(IdentityV3Sha256)]
    [InlineData(IdentityV3Sha512)]
    public async Task AnAspNetIdentityHashVerifiesAndAsksForArgon2id(string hash)
    {
        Assert.Equal(PasswordHashFormat.AspNetIdentity, ImportedPasswordHashes.FormatOf(hash));
        Assert.Equal(PasswordVerification.SucceededRehashNeeded, await _hasher.VerifyAsync(hash, IdentityPassword));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "my password "));
    }

    [Fact]
    public async Task ImportedHashesAreCheckedAgainstThePasswordAsTyped()
    {
        // The other system hashed the text it was given, without NFKC: a full-width look-alike is another password.
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(GoBcrypt, "ａｌｌｍｉｎｅ"));
    }

    [Fact]
    public async Task TheServicesOwnHashNeedsNoRehash()
    {
        var hash = await _hasher.HashAsync("correct horse battery");
        Assert.Equal(PasswordHashFormat.Argon2id, ImportedPasswordHashes.FormatOf(hash));
        Assert.Equal(PasswordVerification.Succeeded, await _hasher.VerifyAsync(hash, "correct horse battery"));
    }

    public static TheoryData<string> Unsupported() =>
    [
        "",
        "allmine",
        "$2x$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga", // the buggy-implementation marker
        "$2a$03$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga", // below bcrypt's minimum cost
        "$2a$17$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga", // a cost no login can afford
        "$2a$31$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcga",
        "$2a$10$XajjQvNhvvRt5GSeFk1xFeyqRrsxkhBkUiQeg0dt.wU1qD4aFDcg", // one character short
        "$1$saltsalt$//251epTQaKpm7/bnAD.Z.", // md5-crypt
        "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        Argon2id("m=4194304,t=50,p=1"), // 4 GiB for a minute or more per login
        Argon2id("m=65537,t=2,p=1"), // over the memory cap
        Argon2id("m=19456,t=11,p=1"), // over the time cap
        Argon2id("m=19456,t=2,p=9"), // over the parallelism cap
        Argon2id("m=99999999999,t=2,p=1"), // more digits than any cap
        Argon2id("m=19456,p=1,t=2"), // parameters out of order: no hash libsodium reads
        "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        IdentityV2[..^4], // v2 of the wrong length
        IdentityHeader(prf: 3, iterations: 10_000, saltLength: 16, subkeyLength: 32),
        IdentityHeader(prf: 2, iterations: 2_000_000, saltLength: 16, subkeyLength: 32),
        IdentityHeader(prf: 2, iterations: 0, saltLength: 16, subkeyLength: 32),
        IdentityHeader(prf: 2, iterations: 10_000, saltLength: 8, subkeyLength: 32),
        IdentityHeader(prf: 2, iterations: 10_000, saltLength: 16, subkeyLength: 8),
        IdentityHeader(prf: 2, iterations: 10_000, saltLength: int.MaxValue, subkeyLength: 32),
    ];

    [Theory]
    [MemberData(nameof(Unsupported))]
    public async Task AnUnsupportedHashMatchesNoPasswordAndCostsNoComputation(string hash)
    {
        Assert.Equal(PasswordHashFormat.Unsupported, ImportedPasswordHashes.FormatOf(hash));
        // A cost-31 bcrypt hash would take days: finishing at all shows nothing was computed.
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, GoBcryptPassword));
    }

    [Fact]
    public void AWellFormedIdentityHeaderIsRecognised()
    {
        // The control for the header cases above: the same builder with acceptable values is a v3 hash.
        Assert.Equal(PasswordHashFormat.AspNetIdentity, ImportedPasswordHashes.FormatOf(IdentityHeader(prf: 2, iterations: 100_000, saltLength: 16, subkeyLength: 32)));
    }

    [Theory]
    [InlineData("v=19$m=65536,t=10,p=8")]
    [InlineData("m=65536,t=10,p=8")]
    [InlineData("v=19$m=47104,t=1,p=1")]
    public void AnArgon2idHashAtOrUnderTheCapsIsRecognised(string parameters)
    {
        // The control for the over-cap cases above: the same builder within the caps is an Argon2id hash.
        Assert.Equal(PasswordHashFormat.Argon2id, ImportedPasswordHashes.FormatOf($"$argon2id${parameters}$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA"));
    }

    /// <summary>A well-formed Argon2id PHC string with the given cost; salt and digest are arbitrary, no password matches.</summary>
    public static string Argon2id(string cost) => $"$argon2id$v=19${cost}$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";

    private static string IdentityHeader(uint prf, uint iterations, int saltLength, int subkeyLength)
    {
        var bytes = new byte[13 + Math.Min(saltLength, 64) + subkeyLength];
        bytes[0] = 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), prf);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), iterations);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), (uint)saltLength);
        return Convert.ToBase64String(bytes);
    }
}
