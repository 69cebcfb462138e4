using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using UserApi.Configuration;

namespace UserApi.Tokens;

/// <summary>
/// Reads <c>Auth.SigningKeys</c>: each PEM file becomes the library's <see cref="ECDsaSecurityKey"/> or
/// <see cref="RsaSecurityKey"/> carrying its <c>kid</c>. A file that cannot serve the configured algorithm is one
/// problem line naming the entry and the fix; the key material never appears in one.
/// </summary>
public static class SigningKeyFiles
{
    /// <summary>RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used" with RS256.</summary>
    public const int MinimumRsaBits = 2048;

    private const int MaxKidLength = 64;

    /// <summary>A key of the ring: the private key when the file holds one (the signer's must), and its public half.</summary>
    public sealed record LoadedKey(string Kid, AsymmetricSecurityKey? PrivateKey, AsymmetricSecurityKey PublicKey);

    /// <summary>Every key of the ring, in order; null when there is a problem, each added to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<LoadedKey>? Load(AuthOptions options, string contentRoot, List<string> problems)
    {
        var before = problems.Count;
        if (options.IsHmac)
        {
            if (options.SigningKeys.Count > 0)
            {
                problems.Add("Auth.SigningKeys is set but Auth.Algorithm is HS256, which signs with Auth.AccessSecret: set Auth.Algorithm to ES256 or RS256, or remove Auth.SigningKeys.");
            }
            return problems.Count == before ? [] : null;
        }
        if (options.SigningKeys.Count == 0)
        {
            problems.Add($"Auth.SigningKeys is empty: {options.Algorithm} signs with the first key of this list. {GenerateHint(options.Algorithm, "k1")}, then list it as {{Kid: k1, Path: keys/k1.pem}}.");
            return null;
        }

        var keys = new List<LoadedKey>(options.SigningKeys.Count);
        var kids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.SigningKeys.Count; i++)
        {
            var entry = options.SigningKeys[i];
            var name = $"Auth.SigningKeys[{i}]";
            if (!IsValidKid(entry.Kid))
            {
                problems.Add($"{name}.Kid '{entry.Kid}' is not a kid: use 1 to {MaxKidLength} letters, digits, '.', '_' or '-' (e.g. 2026-12-k1).");
                continue;
            }
            if (!kids.TryAdd(entry.Kid, i))
            {
                problems.Add($"{name}.Kid '{entry.Kid}' is also the kid of Auth.SigningKeys[{kids[entry.Kid]}]: give every key its own kid, so a token names exactly one key.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(entry.Path))
            {
                problems.Add($"{name}.Path is empty (kid '{entry.Kid}'): set it to the key's PEM file.");
                continue;
            }
            var problem = TryLoad(entry, options.Algorithm, Path.GetFullPath(entry.Path, contentRoot), signs: i == 0, out var key);
            if (problem is not null)
            {
                problems.Add($"{name} (kid '{entry.Kid}'): {problem}");
            }
            else
            {
                keys.Add(key!);
            }
        }
        return problems.Count == before ? keys : null;
    }

    /// <summary>The command that makes a key for the algorithm, for problem messages and README.</summary>
    public static string GenerateHint(string algorithm, string kid) => algorithm == SigningAlgorithms.RS256
        ? $"Make one with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out keys/{kid}.pem`"
        : $"Make one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out keys/{kid}.pem`";

    private static bool IsValidKid(string kid) =>
        kid.Length is > 0 and <= MaxKidLength && kid.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static string? TryLoad(SigningKeyOptions entry, string algorithm, string path, bool signs, out LoadedKey? key)
    {
        key = null;
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{path} does not exist: {GenerateHint(algorithm, entry.Kid)} (in Development a missing key is generated).";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path} cannot be read ({e.GetType().Name}): let the service's user read it (chmod 600, owned by that user).";
        }

        var label = KeyLabel(pem);
        var isPublic = label == "PUBLIC KEY";
        if (label is null || !(isPublic || label is "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY"))
        {
            return label == "ENCRYPTED PRIVATE KEY"
                ? $"{path} is an encrypted private key: store it unencrypted with mode 600 (`openssl pkcs8 -topk8 -nocrypt -in {path}`)."
                : $"{path} holds no PEM private key (PKCS#8 'PRIVATE KEY', SEC1 'EC PRIVATE KEY' or 'RSA PRIVATE KEY').";
        }
        if (isPublic && signs)
        {
            return $"{path} holds only a public key, but the first entry signs: put the private key first, public-only keys (verify-only) after it.";
        }

        try
        {
            return algorithm == SigningAlgorithms.ES256 ? LoadEcdsa(entry.Kid, path, pem, isPublic, out key) : LoadRsa(entry.Kid, path, pem, isPublic, out key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            var kind = algorithm == SigningAlgorithms.ES256 ? "an EC P-256" : "an RSA";
            return $"{path} is not {kind} key, which {algorithm} needs: {GenerateHint(algorithm, entry.Kid)}.";
        }
    }

    private static string? LoadEcdsa(string kid, string path, string pem, bool isPublic, out LoadedKey? key)
    {
        key = null;
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(pem);
        var publicParameters = ecdsa.ExportParameters(false);
        // RFC 7518 §3.4: ES256 is ECDSA over P-256 with SHA-256; another curve is another algorithm.
        if (publicParameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            return $"{path} is an EC key on curve {publicParameters.Curve.Oid.FriendlyName ?? publicParameters.Curve.Oid.Value ?? "(unnamed)"}; ES256 needs P-256 (RFC 7518 §3.4): {GenerateHint(SigningAlgorithms.ES256, kid)}.";
        }
        var publicKey = new ECDsaSecurityKey(ECDsa.Create(publicParameters)) { KeyId = kid };
        var privateKey = isPublic ? null : new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(true))) { KeyId = kid };
        key = new LoadedKey(kid, privateKey, publicKey);
        return null;
    }

    private static string? LoadRsa(string kid, string path, string pem, bool isPublic, out LoadedKey? key)
    {
        key = null;
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        if (rsa.KeySize < MinimumRsaBits)
        {
            var bits = rsa.KeySize;
            rsa.Dispose();
            return $"{path} is a {bits}-bit RSA key; RS256 needs at least {MinimumRsaBits} bits (RFC 7518 §3.3): {GenerateHint(SigningAlgorithms.RS256, kid)}.";
        }
        var publicRsa = RSA.Create(rsa.ExportParameters(false));
        var publicKey = new RsaSecurityKey(publicRsa) { KeyId = kid };
        key = new LoadedKey(kid, isPublic ? null : new RsaSecurityKey(rsa) { KeyId = kid }, publicKey);
        if (isPublic)
        {
            rsa.Dispose();
        }
        return null;
    }

    /// <summary>The label of the file's key block; an <c>EC PARAMETERS</c> block (openssl ecparam writes one first) is skipped.</summary>
    private static string? KeyLabel(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            if (label != "EC PARAMETERS")
            {
                return label;
            }
            rest = rest[fields.Location.End..];
        }
        return null;
    }
}
