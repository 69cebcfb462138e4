using System.Security.Cryptography;

namespace UserApi.Tests.Support;

/// <summary>PEM key files in a temporary directory, as an operator would make them with openssl.</summary>
public sealed class KeyFiles : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("user-api-keys-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>A new P-256 key written as PKCS#8 (or SEC1); the key itself, to sign with as an attacker or a test.</summary>
    public ECDsa NewEcdsa(string name, bool sec1 = false, ECCurve? curve = null)
    {
        var key = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        File.WriteAllText(Path(name), sec1 ? key.ExportECPrivateKeyPem() : key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    public RSA NewRsa(string name, int bits = 2048)
    {
        var key = RSA.Create(bits);
        File.WriteAllText(Path(name), key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
