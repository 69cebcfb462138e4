using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>
/// The roles an operator gives (the admin API, <c>user-api user add|set-role</c>). A role outside them is refused
/// rather than stored: a misspelt <c>admni</c> would otherwise be a role nobody checks for. Imported users keep the
/// role they come with.
/// </summary>
public static class Roles
{
    public const string Admin = "admin";

    public static readonly string[] Known = [User.DefaultRole, Admin];

    public static Failure? Problem(string role) =>
        Known.Contains(role) ? null : Failure.Validation("role", $"must be one of {string.Join(", ", Known)}");
}
