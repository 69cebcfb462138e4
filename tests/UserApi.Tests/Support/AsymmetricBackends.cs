using System.Security.Cryptography;

namespace UserApi.Tests.Support;

/// <summary>Embedded mode with access tokens signed by keys of <see cref="Keys"/>, deleted with the server.</summary>
public abstract class KeyRingBackend : EmbeddedBackend
{
    public KeyFiles Keys { get; } = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Keys.Dispose();
    }
}

/// <summary>
/// Embedded mode with ES256 access tokens: <c>k1</c> signs, <c>k2</c> only verifies (a rotation's other key),
/// and <c>k0</c> exists on disk but is no longer in the ring (retired). Tests sign with these keys to forge.
/// </summary>
public class Es256Backend : KeyRingBackend
{
    public Es256Backend()
    {
        Signer = Keys.NewEcdsa("k1.pem");
        VerifyOnly = Keys.NewEcdsa("k2.pem", sec1: true);
        Retired = Keys.NewEcdsa("k0.pem");
    }

    public ECDsa Signer { get; }

    public ECDsa VerifyOnly { get; }

    public ECDsa Retired { get; }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings(),
        new("Auth:Algorithm", "ES256"),
        new("Auth:SigningKeys:0:Kid", "k1"),
        new("Auth:SigningKeys:0:Path", Keys.Path("k1.pem")),
        new("Auth:SigningKeys:1:Kid", "k2"),
        new("Auth:SigningKeys:1:Path", Keys.Path("k2.pem")),
    ];
}

/// <summary>Embedded mode with RS256 access tokens signed by one 2048-bit key, <c>r1</c>.</summary>
public class Rs256Backend : KeyRingBackend
{
    public Rs256Backend() => Signer = Keys.NewRsa("r1.pem");

    public RSA Signer { get; }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings(),
        new("Auth:Algorithm", "RS256"),
        new("Auth:SigningKeys:0:Kid", "r1"),
        new("Auth:SigningKeys:0:Path", Keys.Path("r1.pem")),
    ];
}
