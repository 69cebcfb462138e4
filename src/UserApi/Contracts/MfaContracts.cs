using UserApi.Mfa;

namespace UserApi.Contracts;

/// <summary>The second step of a login: the <c>mfaToken</c> of the 401 <c>mfa_required</c> and a TOTP code or a recovery code.</summary>
public sealed record LoginMfaRequest(string? MfaToken, string? Code, string? RecoveryCode);

/// <summary>A current TOTP code: confirms an enrolment, or proves the factor to replace the recovery codes.</summary>
public sealed record MfaCodeRequest(string? Code);

/// <summary>Turning the factor off takes the password or a current code.</summary>
public sealed record DisableMfaRequest(string? Password, string? Code);

/// <summary>A new authenticator: the base32 secret, its <c>otpauth://</c> URI and that URI as an SVG QR code.</summary>
public sealed record TotpEnrolmentResponse(string Secret, string OtpauthUri, string QrSvg)
{
    public static TotpEnrolmentResponse From(TotpEnrolment enrolment) => new(enrolment.Secret, enrolment.OtpauthUri, enrolment.QrSvg);
}

/// <summary>Recovery codes, each usable once in place of a TOTP code; shown only in this answer.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes)
{
    public static RecoveryCodesResponse From(string[] codes) => new(codes);
}
