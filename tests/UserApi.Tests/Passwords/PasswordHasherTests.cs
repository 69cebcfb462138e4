using System.Text;
using UserApi.Passwords;

namespace UserApi.Tests.Passwords;

public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public async Task HashIsAnArgon2idPhcStringWithOwaspParameters()
    {
        var hash = await _hasher.HashAsync("correct horse battery");
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.Equal(6, hash.Split('$').Length);
    }

    [Fact]
    public async Task ACallerThatHasGivenUpCostsNoComputation()
    {
        // A login or register whose client has gone (the request's token cancelled) leaves the queue for a
        // core instead of spending an Argon2id computation nobody will read.
        var hash = await _hasher.HashAsync("correct horse battery");
        var gone = new CancellationToken(canceled: true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hasher.VerifyAsync(hash, "correct horse battery", gone));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hasher.VerifyDummyAsync("correct horse battery", gone));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _hasher.HashAsync("correct horse battery", gone));
    }

    [Fact]
    public async Task HashesOfOnePasswordDifferBySalt()
    {
        Assert.NotEqual(await _hasher.HashAsync("correct horse battery"), await _hasher.HashAsync("correct horse battery"));
    }

    [Fact]
    public async Task VerifyAcceptsTheRightPasswordOnly()
    {
        var hash = await _hasher.HashAsync("correct horse battery");
        Assert.Equal(PasswordVerification.Succeeded, await _hasher.VerifyAsync(hash, "correct horse battery"));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "correct horse batterz"));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "Correct horse battery"));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, ""));
    }

    [Fact]
    public async Task VerifyNormalisesToNfkc()
    {
        var hash = await _hasher.HashAsync("ma\u00F1ana-password");
        Assert.Equal(PasswordVerification.Succeeded, await _hasher.VerifyAsync(hash, "man\u0303ana-password"));
        var fullWidth = await _hasher.HashAsync("ｐａｓｓｗｏｒｄ１");
        Assert.Equal(PasswordVerification.Succeeded, await _hasher.VerifyAsync(fullWidth, "password1"));
    }

    [Fact]
    public async Task VerifyKeepsEveryByteOfALongPassword()
    {
        var prefix = new string('a', 100);
        var hash = await _hasher.HashAsync(prefix + "1");
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, prefix + "2"));
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, prefix));
    }

    [Fact]
    public async Task VerifyKeepsNulAndControlCharacters()
    {
        var hash = await _hasher.HashAsync("pass\0word-with-nul");
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "pass"));
        Assert.Equal(PasswordVerification.Succeeded, await _hasher.VerifyAsync(hash, "pass\0word-with-nul"));
    }

    [Fact]
    public async Task VerifyAsksForARehashOfWeakerParameters()
    {
        static string Weak()
        {
            Span<char> weak = stackalloc char[Geralt.Argon2id.HashSize];
            Geralt.Argon2id.ComputeHash(weak, Encoding.UTF8.GetBytes("correct horse battery"), 1, 8 * 1024 * 1024);
            return new string(weak).TrimEnd('\0');
        }
        var hash = Weak();
        Assert.Equal(PasswordVerification.SucceededRehashNeeded, await _hasher.VerifyAsync(hash, "correct horse battery"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-hash")]
    [InlineData("$2a$10$abcdefghijklmnopqrstuu")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$bad")]
    public async Task VerifyFailsGivenAnUnusableHash(string hash)
    {
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "correct horse battery"));
    }

    [Fact]
    public async Task VerifyFailsGivenInvalidUnicode()
    {
        var hash = await _hasher.HashAsync("correct horse battery");
        Assert.Equal(PasswordVerification.Failed, await _hasher.VerifyAsync(hash, "correct horse " + (char)0xD800 + "battery"));
    }
}

public sealed class PasswordPolicyTests
{
    [Theory]
    [InlineData("1234567", "must be at least 8 characters")]
    [InlineData("ｐａｓｓ", "must be at least 8 characters")]
    public void NewPasswordIsRefused(string password, string expected)
    {
        Assert.Equal(expected, PasswordPolicy.NewPasswordProblem(password));
    }

    [Fact]
    public void NewPasswordWithALoneSurrogateIsRefused()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate.
        Assert.Equal("must be valid Unicode text", PasswordPolicy.NewPasswordProblem("bad " + (char)0xD800 + " surrogate"));
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("        ")]
    [InlineData("パスワードです。はい")]
    public void NewPasswordIsAccepted(string password)
    {
        Assert.Null(PasswordPolicy.NewPasswordProblem(password));
    }

    [Fact]
    public void PasswordsAreLimitedTo1024Bytes()
    {
        Assert.Null(PasswordPolicy.NewPasswordProblem(new string('a', 1024)));
        Assert.Equal("must be at most 1024 bytes", PasswordPolicy.NewPasswordProblem(new string('a', 1025)));
        // 342 three-byte characters are 1026 bytes.
        Assert.Equal("must be at most 1024 bytes", PasswordPolicy.UsableProblem(new string('€', 342)));
    }

    [Fact]
    public void ThePolicyCountsBytesAfterNormalisation()
    {
        // U+FDFA expands to 18 characters under NFKC.
        Assert.Equal("must be at most 1024 bytes", PasswordPolicy.UsableProblem(new string('\uFDFA', 40)));
    }
}
