namespace UserApi.Users;

/// <summary>A row of the <c>users</c> table. Never serialised to a client: responses are built from it.</summary>
public sealed record User(
    long Id,
    string Username,
    string UsernameNormalized,
    string PasswordHash,
    string Role,
    bool Disabled,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime PasswordChangedAt)
{
    public const string DefaultRole = "user";
}

/// <summary>What registration stores; an import may also keep the user's id from the system it comes from.</summary>
public sealed record NewUser(string Username, string UsernameNormalized, string PasswordHash, string Role, DateTime CreatedAt)
{
    /// <summary>The id to insert under; null lets the database number the row.</summary>
    public long? Id { get; init; }

    public bool Disabled { get; init; }
}
