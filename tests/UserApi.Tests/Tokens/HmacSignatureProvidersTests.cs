using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tokens;

namespace UserApi.Tests.Tokens;

public sealed class HmacSignatureProvidersTests
{
    private const string Secret = "hmac-provider-test-secret-0123456789abcdefghij";
    private static readonly JsonWebTokenHandler Handler = new();

    [Fact]
    public void EverySignatureAndCheckOfTheKeyUsesTheSameTwoProviders()
    {
        var key = HmacSignatureProviders.KeyFor(Secret);
        var factory = key.CryptoProviderFactory;

        var signer = factory.CreateForSigning(key, SecurityAlgorithms.HmacSha256);
        var verifier = factory.CreateForVerifying(key, SecurityAlgorithms.HmacSha256);

        Assert.IsType<HmacSignatureProviders>(factory);
        Assert.Same(signer, factory.CreateForSigning(key, SecurityAlgorithms.HmacSha256));
        Assert.Same(signer, factory.CreateForSigning(key, SecurityAlgorithms.HmacSha256, cacheProvider: false));
        Assert.Same(verifier, factory.CreateForVerifying(key, SecurityAlgorithms.HmacSha256));
        Assert.Same(verifier, factory.CreateForVerifying(key, SecurityAlgorithms.HmacSha256, cacheProvider: false));
        Assert.NotSame(signer, verifier);
        Assert.True(signer.WillCreateSignatures);
        Assert.False(verifier.WillCreateSignatures);
    }

    /// <summary>The library releases a provider after every use; releasing must not dispose the shared ones.</summary>
    [Fact]
    public void ReleasingTheProvidersLeavesThemUsable()
    {
        var key = HmacSignatureProviders.KeyFor(Secret);
        var factory = key.CryptoProviderFactory;
        var signer = factory.CreateForSigning(key, SecurityAlgorithms.HmacSha256);
        var verifier = factory.CreateForVerifying(key, SecurityAlgorithms.HmacSha256);
        var input = Encoding.UTF8.GetBytes("header.payload");

        for (var i = 0; i < 3; i++)
        {
            factory.ReleaseSignatureProvider(signer);
            factory.ReleaseSignatureProvider(verifier);
        }

        var signature = signer.Sign(input);
        Assert.True(verifier.Verify(input, signature));
    }

    [Fact]
    public void OtherKeysAndAlgorithmsGoToTheLibrary()
    {
        var key = HmacSignatureProviders.KeyFor(Secret);
        var factory = key.CryptoProviderFactory;
        var other = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 64)));

        var otherKeys = factory.CreateForSigning(other, SecurityAlgorithms.HmacSha256);
        var otherAlgorithm = factory.CreateForVerifying(key, SecurityAlgorithms.HmacSha384);

        Assert.Same(other, otherKeys.Key);
        Assert.Equal(SecurityAlgorithms.HmacSha384, otherAlgorithm.Algorithm);
        Assert.NotSame(factory.CreateForSigning(key, SecurityAlgorithms.HmacSha256), otherKeys);
        factory.ReleaseSignatureProvider(otherKeys);
        factory.ReleaseSignatureProvider(otherAlgorithm);
    }

    /// <summary>The key is the secret's UTF-8 bytes, as go-zero's: tokens interoperate with a plain key of the same bytes.</summary>
    [Fact]
    public async Task TokensInteroperateWithAPlainKeyOfTheSecretsBytes()
    {
        var key = HmacSignatureProviders.KeyFor(Secret);
        var plain = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret));

        Assert.True((await Validate(Create(key), plain)).IsValid);
        Assert.True((await Validate(Create(plain), key)).IsValid);
        Assert.True((await Validate(Create(key), key)).IsValid);
    }

    [Fact]
    public async Task ATokenSignedWithAnotherSecretOrAlteredFails()
    {
        var key = HmacSignatureProviders.KeyFor(Secret);
        var otherSecret = HmacSignatureProviders.KeyFor(Secret + "-other");
        var token = Create(key);
        var parts = token.Split('.');
        var altered = $"{parts[0]}.{Base64UrlEncoder.Encode("{\"sub\":\"2\",\"exp\":4102444800}")}.{parts[2]}";

        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>((await Validate(Create(otherSecret), key)).Exception);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>((await Validate(altered, key)).Exception);
        Assert.True((await Validate(token, key)).IsValid);
    }

    private static string Create(SecurityKey key) => Handler.CreateToken(new SecurityTokenDescriptor
    {
        Subject = new ClaimsIdentity([new Claim("sub", "1")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
    });

    private static Task<TokenValidationResult> Validate(string token, SecurityKey key) =>
        Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
        });
}
