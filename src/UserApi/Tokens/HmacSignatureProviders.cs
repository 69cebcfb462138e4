using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>
/// An HS256 key whose signature providers (the library's <see cref="SymmetricSignatureProvider"/>, one for
/// signing and one for verifying) are created once, with the key: the library's default factory finds its
/// cached providers by a key string it formats on every signature and check, the largest single share of
/// what a refresh allocated (bench/RESULTS.md). The providers are thread-safe (each signs with a pooled
/// HMAC) and live as long as the key; anything else asked of the factory goes to the library's.
/// </summary>
public sealed class HmacSignatureProviders : CryptoProviderFactory
{
    private readonly SymmetricSecurityKey _key;
    private readonly SignatureProvider _signer;
    private readonly SignatureProvider _verifier;

    private HmacSignatureProviders(SymmetricSecurityKey key)
    {
        _key = key;
        _signer = new SymmetricSignatureProvider(key, SecurityAlgorithms.HmacSha256, willCreateSignatures: true);
        _verifier = new SymmetricSignatureProvider(key, SecurityAlgorithms.HmacSha256, willCreateSignatures: false);
    }

    /// <summary>The key for a secret: its UTF-8 bytes, as go-zero's <c>[]byte(secret)</c>, so tokens interoperate.</summary>
    public static SymmetricSecurityKey KeyFor(string secret)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        key.CryptoProviderFactory = new HmacSignatureProviders(key);
        return key;
    }

    public override SignatureProvider CreateForSigning(SecurityKey key, string algorithm) =>
        Owns(key, algorithm) ? _signer : base.CreateForSigning(key, algorithm);

    public override SignatureProvider CreateForSigning(SecurityKey key, string algorithm, bool cacheProvider) =>
        Owns(key, algorithm) ? _signer : base.CreateForSigning(key, algorithm, cacheProvider);

    public override SignatureProvider CreateForVerifying(SecurityKey key, string algorithm) =>
        Owns(key, algorithm) ? _verifier : base.CreateForVerifying(key, algorithm);

    public override SignatureProvider CreateForVerifying(SecurityKey key, string algorithm, bool cacheProvider) =>
        Owns(key, algorithm) ? _verifier : base.CreateForVerifying(key, algorithm, cacheProvider);

    public override void ReleaseSignatureProvider(SignatureProvider signatureProvider)
    {
        if (!ReferenceEquals(signatureProvider, _signer) && !ReferenceEquals(signatureProvider, _verifier))
        {
            base.ReleaseSignatureProvider(signatureProvider);
        }
    }

    private bool Owns(SecurityKey key, string algorithm) =>
        ReferenceEquals(key, _key) && string.Equals(algorithm, SecurityAlgorithms.HmacSha256, StringComparison.Ordinal);
}
