using System.Text;
using UserApi.Passwords;

namespace UserApi.Tests.Passwords;

public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public void HashIsAnArgon2idPhcStringWithOwaspParameters()
    {
        var hash = _hasher.Hash("correct horse battery");
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.Equal(6, hash.Split('$').Length);
    }

    [Fact]
    public void HashesOfOnePasswordDifferBySalt()
    {
        Assert.NotEqual(_hasher.Hash("correct horse battery"), _hasher.Hash("correct horse battery"));
    }

    [Fact]
    public void VerifyAcceptsTheRightPasswordOnly()
    {
        var hash = _hasher.Hash("correct horse battery");
        Assert.Equal(PasswordVerification.Succeeded, _hasher.Verify(hash, "correct horse battery"));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, "correct horse batterz"));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, "Correct horse battery"));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, ""));
    }

    [Fact]
    public void VerifyNormalisesToNfkc()
    {
        var hash = _hasher.Hash("ma\u00F1ana-password");
        Assert.Equal(PasswordVerification.Succeeded, _hasher.Verify(hash, "man\u0303ana-password"));
        var fullWidth = _hasher.Hash("ｐａｓｓｗｏｒｄ１");
        Assert.Equal(PasswordVerification.Succeeded, _hasher.Verify(fullWidth, "password1"));
    }

    [Fact]
    public void VerifyKeepsEveryByteOfALongPassword()
    {
        var prefix = new string('a', 100);
        var hash = _hasher.Hash(prefix + "1");
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, prefix + "2"));
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, prefix));
    }

    [Fact]
    public void VerifyKeepsNulAndControlCharacters()
    {
        var hash = _hasher.Hash("pass\0word-with-nul");
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, "pass"));
        Assert.Equal(PasswordVerification.Succeeded, _hasher.Verify(hash, "pass\0word-with-nul"));
    }

    [Fact]
    public void VerifyAsksForARehashOfWeakerParameters()
    {
        Span<char> weak = stackalloc char[Geralt.Argon2id.HashSize];
        Geralt.Argon2id.ComputeHash(weak, Encoding.UTF8.GetBytes("correct horse battery"), 1, 8 * 1024 * 1024);
        var hash = new string(weak).TrimEnd('\0');
        Assert.Equal(PasswordVerification.SucceededRehashNeeded, _hasher.Verify(hash, "correct horse battery"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-hash")]
    [InlineData("$2a$10$abcdefghijklmnopqrstuu")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$bad")]
    public void VerifyFailsGivenAnUnusableHash(string hash)
    {
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, "correct horse battery"));
    }

    [Fact]
    public void VerifyFailsGivenInvalidUnicode()
    {
        var hash = _hasher.Hash("correct horse battery");
        Assert.Equal(PasswordVerification.Failed, _hasher.Verify(hash, "correct horse " + (char)0xD800 + "battery"));
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
