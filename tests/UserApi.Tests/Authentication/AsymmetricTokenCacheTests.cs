using Microsoft.Extensions.DependencyInjection;
using UserApi.Authentication;
using UserApi.Tests.Support;

namespace UserApi.Tests.Authentication;

/// <summary>
/// In ES256 and RS256 mode the access-token cache remembers tokens as in HS256 mode (its key is the first 128 bits of
/// any signature), so an ECDSA or RSA verification is paid once per token, not per request.
/// </summary>
public abstract class AsymmetricTokenCacheTests(UserApiFactory app)
{
    [Fact]
    public async Task AnAccessTokenIsRememberedAfterItsFirstUse()
    {
        var client = app.CreateClient();
        var (_, _, tokens) = await client.NewSessionAsync();
        var cache = app.Services.GetRequiredService<AccessTokenCache>();

        Assert.False(cache.Remembers(tokens.AccessToken));
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();

        Assert.True(cache.Remembers(tokens.AccessToken));
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
    }
}

public sealed class Es256TokenCacheTests(Es256Backend app) : AsymmetricTokenCacheTests(app), IClassFixture<Es256Backend>;

public sealed class Rs256TokenCacheTests(Rs256Backend app) : AsymmetricTokenCacheTests(app), IClassFixture<Rs256Backend>;
