namespace UserApi.Contracts;

public sealed record SetEmailRequest(string? Email);

public sealed record VerifyEmailRequest(string? Token);

/// <summary>One of the two: the account's username or its email.</summary>
public sealed record ForgotPasswordRequest(string? Username, string? Email);

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

/// <summary>The answer of a request whose effect is a mail, the same whatever the account: it tells nothing about it.</summary>
public sealed record MailAcceptedResponse(string Message)
{
    public static readonly MailAcceptedResponse Forgot = new("If an account has this name or address and a verified email, a reset link is on its way to it.");
    public static readonly MailAcceptedResponse Verify = new("A verification link is on its way to the account's email address.");
}
