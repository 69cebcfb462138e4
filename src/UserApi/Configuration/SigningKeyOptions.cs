namespace UserApi.Configuration;

/// <summary>One entry of <c>Auth.SigningKeys</c>: a PEM key file and the <c>kid</c> its tokens carry.</summary>
public sealed class SigningKeyOptions
{
    public string Kid { get; set; } = "";

    /// <summary>A PEM file: a private key (PKCS#8 or SEC1; PKCS#1 for RSA), or only a public key for a verify-only entry. Relative to the content root.</summary>
    public string Path { get; set; } = "";
}
