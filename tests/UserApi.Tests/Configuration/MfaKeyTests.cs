using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Mfa;
using UserApi.Tests.Support;
using TestEnvironment = UserApi.Tests.Configuration.ConfigurationLoadingTests.TestEnvironment;

namespace UserApi.Tests.Configuration;

/// <summary><c>Mfa.EncryptionKey</c>: required outside Development, generated and kept in Development, and what it encrypts.</summary>
public sealed class MfaKeyTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void AMissingKeyIsRefusedOutsideDevelopment(string environment)
    {
        var result = new MfaOptionsValidator(new TestEnvironment(environment, "/")).Validate(null, new MfaOptions());

        Assert.Equal(["Mfa.EncryptionKey is missing: set it to 32 random bytes in base64 (openssl rand -base64 32); it encrypts the TOTP secrets at rest."], result.Failures);
    }

    [Theory]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public void AKeyOfAnotherSizeIsRefusedEverywhere(string key)
    {
        var result = new MfaOptionsValidator(new TestEnvironment(Environments.Development, "/")).Validate(null, new MfaOptions { EncryptionKey = key });

        Assert.Equal(["Mfa.EncryptionKey must be exactly 32 bytes in base64 (openssl rand -base64 32)."], result.Failures);
    }

    [Fact]
    public void DevelopmentGeneratesAKeyOnceAndKeepsItPrivate()
    {
        var root = Directory.CreateTempSubdirectory("user-api-mfa-key-").FullName;
        try
        {
            var environment = new TestEnvironment(Environments.Development, root);
            var first = new MfaOptions();
            var second = new MfaOptions();
            new DevelopmentMfaKey(environment, NullLogger<DevelopmentMfaKey>.Instance).PostConfigure(null, first);
            new DevelopmentMfaKey(environment, NullLogger<DevelopmentMfaKey>.Instance).PostConfigure(null, second);

            Assert.Null(MfaOptions.KeyProblem(first.EncryptionKey));
            Assert.Equal(first.EncryptionKey, second.EncryptionKey);
            Assert.True(new MfaOptionsValidator(environment).Validate(null, first).Succeeded);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(root, "data", DevelopmentMfaKey.FileName)));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void ASecretDecryptsOnlyForItsUserUnderItsKey()
    {
        var secrets = new MfaSecrets(Options.Create(new MfaOptions { EncryptionKey = UserApiFactory.MfaEncryptionKey }));
        var otherKey = new MfaSecrets(Options.Create(new MfaOptions { EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        var secret = TotpCodes.NewSecret();

        var stored = secrets.Encrypt(42, secret);

        Assert.Equal(secret, secrets.Decrypt(42, stored));
        Assert.NotEqual(stored, secrets.Encrypt(42, secret));
        Assert.ThrowsAny<CryptographicException>(() => secrets.Decrypt(43, stored));
        Assert.ThrowsAny<CryptographicException>(() => otherKey.Decrypt(42, stored));
    }

    [Fact]
    public void RecoveryCodesAreReadWithoutCaseSpacesOrDashes()
    {
        var code = Assert.Single(TotpCodes.NewRecoveryCodes().Take(1));

        Assert.Matches("^[a-z2-9]{5}-[a-z2-9]{5}$", code);
        Assert.Equal(code.Replace("-", ""), RecoveryCodes.Normalize($" {code.ToUpperInvariant()} "));
        Assert.Null(RecoveryCodes.Normalize("0000000000"));
        Assert.Null(RecoveryCodes.Normalize("abc"));
    }
}
