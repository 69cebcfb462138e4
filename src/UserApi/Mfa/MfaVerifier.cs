namespace UserApi.Mfa;

/// <summary>
/// Checks a user's second factor: a TOTP code, whose step is then accepted for this user once across every instance,
/// or a recovery code, which is then used up. Either way the deciding step is one conditional write in the database.
/// </summary>
public sealed class MfaVerifier(IMfaStore store, MfaSecrets secrets, TotpCodes totp)
{
    /// <summary>The user's factor when it is on, read from the database; null when it is off.</summary>
    public async Task<MfaRecord?> FactorOfAsync(long userId, CancellationToken cancellationToken) =>
        await store.ReadAsync(userId, cancellationToken) is { Enabled: true, Secret: not null } factor ? factor : null;

    /// <summary>Whether the TOTP code (or, when none is given, the recovery code) proves the factor; a code that does is spent.</summary>
    public async Task<bool> VerifyAsync(long userId, MfaRecord factor, string? totpCode, string? recoveryCode, CancellationToken cancellationToken)
    {
        if (totpCode is not null)
        {
            return totp.MatchingStep(secrets.Decrypt(userId, factor.Secret!), totpCode.Trim()) is { } step
                && await store.UseStepAsync(userId, step, cancellationToken);
        }
        return recoveryCode is not null
            && RecoveryCodes.Normalize(recoveryCode) is { } normalized
            && await store.UseRecoveryCodeAsync(userId, secrets.HashRecoveryCode(userId, normalized), cancellationToken);
    }

    /// <summary>New recovery codes: what the user is shown once, and what is stored.</summary>
    public (string[] Codes, string[] Hashes) NewRecoveryCodes(long userId)
    {
        var codes = TotpCodes.NewRecoveryCodes();
        return (codes, [.. codes.Select(code => secrets.HashRecoveryCode(userId, RecoveryCodes.Normalize(code)!))]);
    }
}
