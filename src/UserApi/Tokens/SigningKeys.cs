using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Tokens;

/// <summary>The current <see cref="SigningKeyRing"/>: read at start-up from the validated <c>Auth</c> section.</summary>
public sealed class SigningKeys
{
    private volatile SigningKeyRing _current;

    public SigningKeys(SigningKeyRing ring) => _current = ring;

    public SigningKeys(IOptions<AuthOptions> options, string contentRoot) : this(SigningKeyRing.Create(options.Value, contentRoot))
    {
    }

    public SigningKeyRing Current => _current;

    /// <summary>Raised after the ring was replaced: what was validated with the old one must be validated again.</summary>
    public event Action? Changed;

    /// <summary>Makes <paramref name="ring"/> the current one.</summary>
    public void Replace(SigningKeyRing ring)
    {
        _current = ring;
        Changed?.Invoke();
    }
}
