using System.Collections.Frozen;
using Microsoft.IdentityModel.Tokens;
using UserApi.Configuration;

namespace UserApi.Tokens;

/// <summary>
/// The keys of one moment, immutable: what signs and what verifies each kind of token, and what
/// <c>/.well-known/jwks.json</c> publishes. <see cref="SigningKeys"/> replaces the whole ring when the
/// configuration or a key file changes, so a token is always checked against one consistent set.
/// </summary>
public sealed class SigningKeyRing
{
    private SigningKeyRing(
        string algorithm, SigningCredentials accessSigning, IReadOnlyList<SecurityKey> accessKeys,
        SigningCredentials refreshSigning, IReadOnlyList<SecurityKey> refreshKeys, IReadOnlyList<JsonWebKey> publicKeys)
    {
        Algorithm = algorithm;
        AccessSigning = accessSigning;
        AccessKeys = accessKeys;
        AccessKids = accessKeys.Select(k => k.KeyId).ToFrozenSet(StringComparer.Ordinal);
        RefreshSigning = refreshSigning;
        RefreshKeys = refreshKeys;
        RefreshKids = refreshKeys.Select(k => k.KeyId).ToFrozenSet(StringComparer.Ordinal);
        PublicKeys = publicKeys;
    }

    /// <summary>The one algorithm access tokens are signed and accepted with (RFC 8725 §3.1).</summary>
    public string Algorithm { get; }

    public bool IsHmac => Algorithm == SigningAlgorithms.HS256;

    public SigningCredentials AccessSigning { get; }

    /// <summary>Every key an access token may be signed with, each with its <c>kid</c>.</summary>
    public IReadOnlyList<SecurityKey> AccessKeys { get; }

    public FrozenSet<string> AccessKids { get; }

    public SigningCredentials RefreshSigning { get; }

    public IReadOnlyList<SecurityKey> RefreshKeys { get; }

    public FrozenSet<string> RefreshKids { get; }

    /// <summary>The public halves of the asymmetric keys, signer first (RFC 7517 §5); empty in HS256 mode, whose keys are secret.</summary>
    public IReadOnlyList<JsonWebKey> PublicKeys { get; }

    /// <summary>The ring the options describe; <see cref="OptionsValidationException"/> with every problem when they describe none.</summary>
    public static SigningKeyRing Create(AuthOptions options, string contentRoot)
    {
        var problems = new List<string>();
        var files = SigningKeyFiles.Load(options, contentRoot, problems);
        if (files is null)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(AuthOptions), typeof(AuthOptions), problems);
        }

        var refreshSigning = HmacKey(options.RefreshSecret);
        var refreshKeys = WithPrevious(refreshSigning, options.PrevRefreshSecret);
        if (options.IsHmac)
        {
            var accessSigning = HmacKey(options.AccessSecret);
            return new SigningKeyRing(
                options.Algorithm, new SigningCredentials(accessSigning, SecurityAlgorithms.HmacSha256), WithPrevious(accessSigning, options.PrevAccessSecret),
                new SigningCredentials(refreshSigning, SecurityAlgorithms.HmacSha256), refreshKeys, []);
        }

        var algorithm = options.Algorithm == SigningAlgorithms.ES256 ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
        var publicKeys = files.Select(f => PublicJsonWebKey(f.PublicKey, options.Algorithm)).ToList();
        return new SigningKeyRing(
            options.Algorithm, new SigningCredentials(files[0].PrivateKey!, algorithm), files.Select(f => (SecurityKey)f.PublicKey).ToList(),
            new SigningCredentials(refreshSigning, SecurityAlgorithms.HmacSha256), refreshKeys, publicKeys);
    }

    /// <summary>
    /// An HMAC key named by its RFC 7638 thumbprint, shortened: a token then names which secret signed it (the
    /// current or the previous), and go-zero, which ignores <c>kid</c>, verifies it unchanged. The thumbprint is a
    /// SHA-256 of the secret: it lets no one test a guess that the token's own HMAC does not already let them test
    /// (RFC 7638 §7).
    /// </summary>
    public static SymmetricSecurityKey HmacKey(string secret)
    {
        var key = HmacSignatureProviders.KeyFor(secret);
        key.KeyId = "hs-" + Base64UrlEncoder.Encode(key.ComputeJwkThumbprint())[..16];
        return key;
    }

    private static List<SecurityKey> WithPrevious(SymmetricSecurityKey current, string previous) =>
        previous.Length > 0 ? [current, HmacKey(previous)] : [current];

    /// <summary>Only the public members RFC 7518 §6.2.1 / §6.3.1 define, with <c>use</c> and <c>alg</c> (RFC 7517 §4.2, §4.4).</summary>
    private static JsonWebKey PublicJsonWebKey(AsymmetricSecurityKey publicKey, string algorithm)
    {
        var jwk = publicKey is ECDsaSecurityKey ecdsa
            ? JsonWebKeyConverter.ConvertFromECDsaSecurityKey(ecdsa)
            : JsonWebKeyConverter.ConvertFromRSASecurityKey((RsaSecurityKey)publicKey);
        jwk.Use = JsonWebKeyUseNames.Sig;
        jwk.Alg = algorithm;
        return jwk;
    }
}
