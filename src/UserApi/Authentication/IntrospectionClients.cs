using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using UserApi.Configuration;

namespace UserApi.Authentication;

/// <summary>
/// HTTP Basic authentication of the services that may introspect tokens (RFC 7662 §2.1, RFC 6749 §2.3.1).
/// Ids and secrets are compared as SHA-256 hashes with <see cref="CryptographicOperations.FixedTimeEquals"/>,
/// against every client, so neither the time taken nor an early exit tells an attacker how much of a guess was
/// right or which ids exist.
/// </summary>
public sealed class IntrospectionClients
{
    private readonly (byte[] Id, byte[] Secret)[] _clients;

    public IntrospectionClients(IOptions<IntrospectionOptions> options) =>
        _clients = [.. options.Value.Clients.Select(c => (Hash(c.Id), Hash(c.Secret)))];

    /// <summary>The <c>WWW-Authenticate</c> challenge of a refused caller (RFC 7617 §2).</summary>
    public const string Challenge = "Basic realm=\"user-api\", charset=\"UTF-8\"";

    public bool Authenticate(StringValues authorization)
    {
        if (authorization.Count != 1 || !TryReadBasic(authorization[0], out var id, out var secret))
        {
            return false;
        }
        // RFC 6749 §2.3.1 form-urlencodes both parts first, but `curl -u id:secret` and most clients do not, and
        // a base64 secret has '+' and '/': either spelling is accepted.
        var match = Matches(Hash(id), Hash(secret));
        match |= Matches(Hash(FormDecode(id)), Hash(FormDecode(secret)));
        return match;
    }

    private bool Matches(byte[] idHash, byte[] secretHash)
    {
        var match = false;
        foreach (var client in _clients)
        {
            // Both comparisons, always: '&', not '&&'.
            match |= CryptographicOperations.FixedTimeEquals(client.Id, idHash) & CryptographicOperations.FixedTimeEquals(client.Secret, secretHash);
        }
        return match;
    }

    /// <summary>
    /// <c>Basic base64(id:secret)</c>, each part form-urlencoded before encoding (RFC 6749 §2.3.1), split at the
    /// first colon (RFC 7617 §2).
    /// </summary>
    private static bool TryReadBasic(string? header, out string id, out string secret)
    {
        (id, secret) = ("", "");
        const string Scheme = "Basic ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        Span<byte> decoded = stackalloc byte[512];
        if (!Convert.TryFromBase64String(header[Scheme.Length..].Trim(), decoded, out var length))
        {
            return false;
        }
        string credentials;
        try
        {
            credentials = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded[..length]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }
        id = credentials[..colon];
        secret = credentials[(colon + 1)..];
        return true;
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
