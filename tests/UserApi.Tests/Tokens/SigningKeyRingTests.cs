using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Tests.Support;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Tests.Tokens;

/// <summary>Auth.Algorithm and Auth.SigningKeys at start-up: one problem line per mistake; PrevRefreshSecret; HS256's kid.</summary>
public sealed class SigningKeyRingTests : IDisposable
{
    private const string AccessSecret = "signing-key-ring-tests-access-secret-0123456789";
    private const string RefreshSecret = "signing-key-ring-tests-refresh-secret-0123456789";

    private readonly KeyFiles _keys = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose() => _keys.Dispose();

    private AuthOptions Options(string algorithm, params (string Kid, string File)[] keys) => new()
    {
        Algorithm = algorithm,
        AccessSecret = AccessSecret,
        RefreshSecret = RefreshSecret,
        SigningKeys = [.. keys.Select(k => new SigningKeyOptions { Kid = k.Kid, Path = k.File })],
    };

    private IReadOnlyList<string> Problems(AuthOptions options) =>
        [.. new SigningKeyRingValidator(_keys.Directory).Validate(null, options).Failures ?? [],
         .. new AuthOptionsValidator().Validate(null, options).Failures ?? []];

    private string SingleProblem(AuthOptions options) => Assert.Single(Problems(options));

    [Fact]
    public void Pkcs8AndSec1EcKeysAndPkcs8AndPkcs1RsaKeysLoad()
    {
        _keys.NewEcdsa("a.pem").Dispose();
        _keys.NewEcdsa("b.pem", sec1: true).Dispose();
        Assert.Empty(Problems(Options("ES256", ("a", "a.pem"), ("b", "b.pem"))));
        _keys.NewRsa("r.pem").Dispose();
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(_keys.Path("p1.pem"), rsa.ExportRSAPrivateKeyPem());
        }
        Assert.Empty(Problems(Options("RS256", ("r", "r.pem"), ("p1", "p1.pem"))));
    }

    [Fact]
    public void AVerifyOnlyEntryMayHoldOnlyThePublicKeyButTheSignerMayNot()
    {
        using var key = _keys.NewEcdsa("a.pem");
        File.WriteAllText(_keys.Path("a.pub.pem"), key.ExportSubjectPublicKeyInfoPem());
        _keys.NewEcdsa("b.pem").Dispose();
        Assert.Empty(Problems(Options("ES256", ("b", "b.pem"), ("a", "a.pub.pem"))));
        Assert.Contains("holds only a public key, but the first entry signs", SingleProblem(Options("ES256", ("a", "a.pub.pem"), ("b", "b.pem"))));
    }

    [Fact]
    public void AnRsaKeyUnder2048BitsIsRefused()
    {
        _keys.NewRsa("small.pem", 1024).Dispose();
        var problem = SingleProblem(Options("RS256", ("r", "small.pem")));
        Assert.StartsWith("Auth.SigningKeys[0] (kid 'r'): ", problem);
        Assert.Contains("is a 1024-bit RSA key; RS256 needs at least 2048 bits", problem);
    }

    [Fact]
    public void ACurveOtherThanP256IsRefusedForEs256()
    {
        _keys.NewEcdsa("p384.pem", curve: ECCurve.NamedCurves.nistP384).Dispose();
        Assert.Contains("ES256 needs P-256", SingleProblem(Options("ES256", ("k", "p384.pem"))));
    }

    [Fact]
    public void AKeyOfTheOtherTypeIsRefused()
    {
        _keys.NewRsa("r.pem").Dispose();
        _keys.NewEcdsa("e.pem").Dispose();
        Assert.Contains("is not an EC P-256 key, which ES256 needs", SingleProblem(Options("ES256", ("k", "r.pem"))));
        Assert.Contains("is not an RSA key, which RS256 needs", SingleProblem(Options("RS256", ("k", "e.pem"))));
    }

    [Fact]
    public void AMissingOrUnreadableFileIsRefused()
    {
        Assert.Contains("does not exist", SingleProblem(Options("ES256", ("k", "missing.pem"))));
        // A directory where the file should be: what reading an unreadable file looks like, even to root.
        Directory.CreateDirectory(_keys.Path("dir.pem"));
        Assert.Contains("cannot be read", SingleProblem(Options("ES256", ("k", "dir.pem"))));
        File.WriteAllText(_keys.Path("garbage.pem"), "not a key");
        Assert.Contains("holds no PEM private key", SingleProblem(Options("ES256", ("k", "garbage.pem"))));
    }

    [Fact]
    public void DuplicateKidsAreRefused()
    {
        _keys.NewEcdsa("a.pem").Dispose();
        _keys.NewEcdsa("b.pem").Dispose();
        var problem = SingleProblem(Options("ES256", ("same", "a.pem"), ("same", "b.pem")));
        Assert.Equal("Auth.SigningKeys[1].Kid 'same' is also the kid of Auth.SigningKeys[0]: give every key its own kid, so a token names exactly one key.", problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    [InlineData("a b")]
    public void AKidThatIsNotAPlainNameIsRefused(string kid)
    {
        _keys.NewEcdsa("a.pem").Dispose();
        Assert.Contains("is not a kid", SingleProblem(Options("ES256", (kid, "a.pem"))));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceOneLineEach()
    {
        _keys.NewRsa("small.pem", 1024).Dispose();
        _keys.NewRsa("ok.pem").Dispose();
        var problems = Problems(Options("RS256", ("a", "small.pem"), ("b", "missing.pem"), ("a", "ok.pem")));
        Assert.Equal(3, problems.Count);
        Assert.All(problems, p => Assert.DoesNotContain('\n', p));
    }

    [Fact]
    public void AnAsymmetricAlgorithmNeedsKeysAndHs256NeedsNone()
    {
        Assert.Contains("Auth.SigningKeys is empty", SingleProblem(Options("ES256")));
        _keys.NewEcdsa("a.pem").Dispose();
        Assert.Contains("Auth.Algorithm is HS256", SingleProblem(Options("HS256", ("a", "a.pem"))));
    }

    [Fact]
    public void AnAsymmetricAlgorithmDoesNotNeedAnAccessSecret()
    {
        _keys.NewEcdsa("a.pem").Dispose();
        var options = Options("ES256", ("a", "a.pem"));
        options.AccessSecret = "";
        Assert.Empty(Problems(options));
    }

    [Theory]
    [InlineData("EdDSA", "does not support")]
    [InlineData("hs256", "use HS256")]
    [InlineData("ES384", "use HS256")]
    [InlineData("none", "use HS256")]
    public void AnUnsupportedAlgorithmIsRefused(string algorithm, string expected) =>
        Assert.Contains(expected, SingleProblem(Options(algorithm)));

    [Fact]
    public void NoProblemLineCarriesKeyMaterial()
    {
        using var key = _keys.NewRsa("small.pem", 1024);
        var pem = File.ReadAllText(_keys.Path("small.pem"));
        var body = pem.Split('\n')[1];
        Assert.All(Problems(Options("RS256", ("a", "small.pem"))), p => Assert.DoesNotContain(body[..20], p));
    }

    [Fact]
    public void Hs256TokensNameTheirSecretAndVerifyWithNothingButIt()
    {
        // What a go-zero service sharing AccessSecret does: HMAC-SHA256 over header.payload with the secret's bytes.
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options("HS256")), _time);
        var access = tokens.Issue(NewUser(), NewSession()).AccessToken;
        var parts = access.Split('.');
        Assert.StartsWith("hs-", Jwt.Header(access).GetProperty("kid").GetString());
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(AccessSecret), Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"));
        Assert.Equal(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(expected), parts[2]);
    }

    [Fact]
    public async Task Hs256TokensWithoutAKidStayValid()
    {
        // Tokens issued before kids (and by go-zero with the same secret) name no key.
        var tokens = new TokenService(Microsoft.Extensions.Options.Options.Create(Options("HS256")), _time);
        var access = Jwt.EditAndSign(tokens.Issue(NewUser(), NewSession()).AccessToken, AccessSecret, header: h => h.Remove("kid"));
        Assert.True((await tokens.ValidateAccessTokenAsync(access)).IsValid);
    }

    [Fact]
    public async Task PrevRefreshSecretKeepsRefreshTokensValidAcrossARotation()
    {
        var before = new TokenService(Microsoft.Extensions.Options.Options.Create(Options("HS256")), _time);
        var refresh = before.Issue(NewUser(), NewSession()).RefreshToken;
        var rotated = Options("HS256");
        rotated.RefreshSecret = "signing-key-ring-tests-next-refresh-secret-0123456789";
        rotated.PrevRefreshSecret = RefreshSecret;
        var after = new TokenService(Microsoft.Extensions.Options.Options.Create(rotated), _time);
        Assert.NotNull((await after.ValidateRefreshTokenAsync(refresh)).Claims);
        var withoutKid = Jwt.EditAndSign(refresh, RefreshSecret, header: h => h.Remove("kid"));
        Assert.NotNull((await after.ValidateRefreshTokenAsync(withoutKid)).Claims);

        rotated.PrevRefreshSecret = "";
        var dropped = new TokenService(Microsoft.Extensions.Options.Options.Create(rotated), _time);
        Assert.Null((await dropped.ValidateRefreshTokenAsync(refresh)).Claims);
    }

    private User NewUser()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new User(7, "alice", "alice", "user", false, now, now, now);
    }

    private Session NewSession()
    {
        var now = _time.GetUtcNow();
        return new Session(Ids.New(), 7, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "test");
    }
}
