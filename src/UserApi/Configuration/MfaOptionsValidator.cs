using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>
/// A TOTP secret is a password the server must be able to read back: outside Development it is never encrypted
/// with a made-up key, so a missing or malformed <c>Mfa.EncryptionKey</c> stops the start-up.
/// </summary>
public sealed class MfaOptionsValidator(IHostEnvironment environment) : IValidateOptions<MfaOptions>
{
    public ValidateOptionsResult Validate(string? name, MfaOptions options) =>
        MfaOptions.KeyProblem(options.EncryptionKey) is { } problem && !(environment.IsDevelopment() && options.EncryptionKey.Length == 0)
            ? ValidateOptionsResult.Fail(problem)
            : ValidateOptionsResult.Success;
}
