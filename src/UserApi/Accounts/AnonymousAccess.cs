using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Tokens;

namespace UserApi.Accounts;

/// <summary>Seed 000's anonymous access token, when <c>Auth.AllowAnonymous</c> permits it.</summary>
public sealed class AnonymousAccess(TokenService tokens, IOptions<AuthOptions> options)
{
    public Result<AnonymousToken> IssueToken() =>
        options.Value.AllowAnonymous ? tokens.IssueAnonymous() : Failure.AnonymousDisabled;
}
