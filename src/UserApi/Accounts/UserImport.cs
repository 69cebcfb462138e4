using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using UserApi.Audit;
using UserApi.Passwords;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>One user of an existing table, as <c>user-api import</c> reads it: a line of JSON.</summary>
public sealed record ImportedUser(long? Id, string? Username, string? PasswordHash, string? Role, bool? Disabled);

/// <summary>What an import did: users added, users that were there already (by name), lines refused.</summary>
public sealed record ImportSummary(int Imported, int AlreadyPresent, int Refused);

/// <summary>
/// Brings the users of another system in with their password hashes as they are (bcrypt from go-zero's
/// user-api, ASP.NET Core Identity's PBKDF2, or Argon2id), and their ids, so the tokens and records of
/// other services that name a user id keep naming the same person. Each imported hash is replaced by an
/// Argon2id one at the user's next login. Running it again adds only what is missing.
/// </summary>
public sealed partial class UserImport(IUserStore users, IAuditLog audit, TimeProvider time, ILogger<UserImport> logger)
{
    public async Task<Result<User>> ImportAsync(ImportedUser imported, CancellationToken cancellationToken)
    {
        if (imported.Username is null)
        {
            return Failure.Validation("username", "is required");
        }
        if (Username.Problem(imported.Username) is { } usernameProblem)
        {
            return Failure.Validation("username", usernameProblem);
        }
        if (string.IsNullOrEmpty(imported.PasswordHash))
        {
            return Failure.Validation("passwordHash", "is required");
        }
        if (ImportedPasswordHashes.FormatOf(imported.PasswordHash) == PasswordHashFormat.Unsupported)
        {
            return Failure.Validation("passwordHash",
                $"must be an Argon2id (m ≤ {ImportedPasswordHashes.MaximumArgon2idMemoryKiB}, t ≤ {ImportedPasswordHashes.MaximumArgon2idIterations}, p ≤ {ImportedPasswordHashes.MaximumArgon2idParallelism}), " +
                $"bcrypt ($2a$, $2b$, $2y$; cost 4 to {ImportedPasswordHashes.MaximumBcryptCost}) or ASP.NET Core Identity hash (at most {ImportedPasswordHashes.MaximumPbkdf2Iterations} iterations)");
        }
        if (imported.Id is <= 0)
        {
            return Failure.Validation("id", "must be a positive integer");
        }
        var role = imported.Role ?? User.DefaultRole;
        if (!RoleName().IsMatch(role) || role == Tokens.TokenClaims.AnonymousRole)
        {
            return Failure.Validation("role", $"must be 1 to 32 letters, digits or ._:- and not '{Tokens.TokenClaims.AnonymousRole}'");
        }

        var normalized = Username.Normalize(imported.Username)!;
        if (await users.FindByUsernameAsync(normalized, cancellationToken) is not null)
        {
            return Failure.UsernameTaken;
        }
        if (imported.Id is { } id && await users.FindByIdAsync(id, cancellationToken) is not null)
        {
            return Failure.UserIdTaken;
        }
        var user = new NewUser(imported.Username.Trim(), normalized, imported.PasswordHash, role, time.GetUtcNow().UtcDateTime)
        {
            Id = imported.Id,
            Disabled = imported.Disabled ?? false,
        };
        return await users.CreateAsync(user, cancellationToken) is { } created ? created : Failure.UsernameTaken;
    }

    /// <summary>Imports one user per line (blank lines are passed over), writing a line to the report for each one not imported.</summary>
    public async Task<ImportSummary> ImportJsonLinesAsync(TextReader input, TextWriter report, CancellationToken cancellationToken)
    {
        int imported = 0, present = 0, refused = 0, number = 0;
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            ImportedUser? user;
            try
            {
                user = JsonSerializer.Deserialize(line, ImportJsonContext.Default.ImportedUser);
            }
            catch (JsonException e)
            {
                // The line may hold a password hash: the report names the position, never the text.
                await report.WriteLineAsync($"line {number}: refused: not a JSON object of the expected fields ({e.Path ?? "$"}, byte {e.BytePositionInLine})");
                refused++;
                continue;
            }
            var result = user is null ? Failure.Validation("line", "must be a JSON object") : await ImportAsync(user, cancellationToken);
            switch (result.Failure)
            {
                case null:
                    imported++;
                    break;
                case var failure when failure == Failure.UsernameTaken:
                    await report.WriteLineAsync($"line {number}: already present: '{user!.Username}'");
                    present++;
                    break;
                case { Errors: { } errors }:
                    await report.WriteLineAsync($"line {number}: refused: {string.Join(" ", errors.Values.SelectMany(v => v))}");
                    refused++;
                    break;
                case { } other:
                    await report.WriteLineAsync($"line {number}: refused: {other.Title} (id {user!.Id})");
                    refused++;
                    break;
            }
        }
        logger.LogInformation("Imported {Imported} users ({Present} already present, {Refused} refused)", imported, present, refused);
        // One event per run, not per user: an import of millions must not flood the audit queue.
        audit.Record(new AuditEvent(AuditEventTypes.Import, AuditEvent.Ok));
        return new ImportSummary(imported, present, refused);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,32}$")]
    private static partial Regex RoleName();
}

[JsonSerializable(typeof(ImportedUser))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class ImportJsonContext : JsonSerializerContext;
