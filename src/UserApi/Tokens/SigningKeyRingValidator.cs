using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Tokens;

/// <summary>Start-up (and reload) check of <c>Auth.SigningKeys</c>: every key file is read and checked, a line per problem.</summary>
public sealed class SigningKeyRingValidator(string contentRoot) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (!SigningAlgorithms.Supported.Contains(options.Algorithm, StringComparer.Ordinal))
        {
            // AuthOptionsValidator names the algorithm; which keys it would need is moot.
            return ValidateOptionsResult.Skip;
        }
        var problems = new List<string>();
        return SigningKeyFiles.Load(options, contentRoot, problems) is null ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
