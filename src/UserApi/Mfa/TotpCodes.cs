using System.Security.Cryptography;
using OtpNet;
using QRCoder;

namespace UserApi.Mfa;

/// <summary>A new factor as the user's authenticator app takes it: the secret in base32, its <c>otpauth://</c> URI and that URI as a QR code.</summary>
public sealed record TotpEnrolment(string Secret, string OtpauthUri, string QrSvg);

/// <summary>
/// RFC 6238 TOTP as every authenticator app computes it (SHA-1, 6 digits, 30-second steps), through Otp.NET, against
/// the injected clock. A code of the step before or after the current one is accepted too (RFC 6238 §5.2's
/// allowance for clock drift and typing time); which step matched is returned, so that the caller can refuse it the
/// second time (§5.2: a verifier must not accept an OTP twice).
/// </summary>
public sealed class TotpCodes(TimeProvider time)
{
    public const int SecretBytes = 20;
    public const int Digits = 6;
    public const int StepSeconds = 30;

    private static readonly VerificationWindow Drift = new(previous: 1, future: 1);

    public static byte[] NewSecret() => KeyGeneration.GenerateRandomKey(SecretBytes);

    /// <summary>The step a code matches now, within one step of drift; null when it matches none.</summary>
    public long? MatchingStep(byte[] secret, string code)
    {
        if (code.Length != Digits || !code.All(char.IsAsciiDigit))
        {
            return null;
        }
        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, Drift) ? step : null;
    }

    /// <summary>What the user scans: the issuer is the service's <c>Name</c>, the account the username (Key Uri Format).</summary>
    public static TotpEnrolment Enrolment(byte[] secret, string issuer, string account)
    {
        var encoded = Base32Encoding.ToString(secret);
        var uri = new OtpUri(OtpType.Totp, encoded, account, issuer, OtpHashMode.Sha1, Digits, StepSeconds).ToString();
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        return new TotpEnrolment(encoded, uri, new SvgQRCode(data).GetGraphic(4));
    }

    /// <summary>Ten single-use recovery codes of 50 random bits each, as <c>xxxxx-xxxxx</c> in lower-case base32 without look-alikes.</summary>
    public static string[] NewRecoveryCodes() =>
        [.. Enumerable.Range(0, RecoveryCodes.Count).Select(_ => RandomNumberGenerator.GetString(RecoveryCodes.Alphabet, 10).Insert(5, "-"))];
}

/// <summary>How recovery codes are written and read back.</summary>
public static class RecoveryCodes
{
    public const int Count = 10;

    public const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>The code as typed, without case, spaces or dashes; null when it cannot be one.</summary>
    public static string? Normalize(string code)
    {
        var normalized = new string([.. code.Where(c => c is not ('-' or ' ')).Select(char.ToLowerInvariant)]);
        return normalized.Length == 10 && normalized.All(c => Alphabet.Contains(c)) ? normalized : null;
    }
}
