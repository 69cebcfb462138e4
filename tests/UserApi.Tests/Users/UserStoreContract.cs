using System.Security.Cryptography;
using UserApi.Users;

namespace UserApi.Tests.Users;

/// <summary>
/// The rules of <see cref="IUserStore"/>, written once and run on every implementation and on the stacks
/// the service composes of them (first-level cache, Redis cache, SQL): look-ups by id and by normalised
/// name, creation refused for a taken name or id, an imported id kept, and every write seen by the very
/// next read, whatever a cache held before it.
/// </summary>
/// <remarks>
/// The MariaDB suites share the test run's database (as the functional suites do): names are unique, and
/// given ids lie in a band of their own, above what the database numbers and the other suites import.
/// </remarks>
public abstract class UserStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Microseconds: what MariaDB's DATETIME(6) keeps.</summary>
    private readonly DateTime _now = new(DateTime.UtcNow.Ticks / 10 * 10, DateTimeKind.Utc);

    protected abstract IUserStore Store { get; }

    [Fact]
    public async Task ACreatedUserIsFoundByIdAndByItsNormalisedName()
    {
        var (name, normalized) = NewName();

        var created = await Store.CreateAsync(new NewUser(name, normalized, "$argon2id$created", User.DefaultRole, _now), None);

        Assert.NotNull(created);
        Assert.True(created.Id > 0);
        Assert.Equal(new User(created.Id, name, normalized, User.DefaultRole, false, _now, _now, _now), created);
        Assert.Equal(new Credentials("$argon2id$created", false, new SessionCutoff(null, null)), await Store.ReadCredentialsAsync(created.Id, None));
        Assert.Equal(created, await Store.FindByIdAsync(created.Id, None));
        Assert.Equal(created, await Store.FindByUsernameAsync(normalized, None));
    }

    [Fact]
    public async Task EndingTheSessionsIsReadBackByTheNextLookUpAndPastEveryCache()
    {
        var user = await CreateAsync();
        Assert.Null((await Store.FindByIdAsync(user.Id, None))!.SessionsEndedAt);
        var endedAt = _now.AddSeconds(1);

        await Store.EndSessionsAsync(user.Id, endedAt, "kept-session", None);

        Assert.Equal(new SessionCutoff(endedAt, "kept-session"), await Store.ReadSessionCutoffAsync(user.Id, None));
        Assert.Equal(new SessionCutoff(endedAt, "kept-session"), (await Store.FindByIdAsync(user.Id, None))!.Cutoff);
        Assert.Equal(new SessionCutoff(endedAt, "kept-session"), (await Store.FindByUsernameAsync(user.UsernameNormalized, None))!.Cutoff);
    }

    [Fact]
    public async Task AnEarlierEndingNeverReplacesALaterOne()
    {
        var user = await CreateAsync();
        await Store.EndSessionsAsync(user.Id, _now.AddSeconds(2), "kept-session", None);

        await Store.EndSessionsAsync(user.Id, _now.AddSeconds(1), null, None);

        Assert.Equal(new SessionCutoff(_now.AddSeconds(2), "kept-session"), await Store.ReadSessionCutoffAsync(user.Id, None));
    }

    [Fact]
    public async Task AnUnknownIdHasNoCutoffAndANewUserAnEmptyOne()
    {
        var user = await CreateAsync();

        Assert.Null(await Store.ReadSessionCutoffAsync(GivenId(), None));
        Assert.Equal(new SessionCutoff(null, null), await Store.ReadSessionCutoffAsync(user.Id, None));
    }

    [Fact]
    public async Task AnUnknownIdOrNameIsNotFoundAndStaysNotFound()
    {
        var id = GivenId();
        var (_, normalized) = NewName();

        // Twice: a cache may remember that there is no such user, and must say so again.
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(await Store.FindByIdAsync(id, None));
            Assert.Null(await Store.FindByUsernameAsync(normalized, None));
        }
    }

    [Fact]
    public async Task ANameIsFoundOnlyInTheExactNormalisedFormItWasStoredIn()
    {
        // Normalising is the caller's part (Username.Normalize); the store compares as stored.
        var user = await CreateAsync();

        Assert.Null(await Store.FindByUsernameAsync(user.UsernameNormalized.ToUpperInvariant(), None));
        Assert.Null(await Store.FindByUsernameAsync(new string(user.UsernameNormalized.Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c).ToArray()), None));
        Assert.Equal(user, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
    }

    [Fact]
    public async Task NamesThatLookLikeSqlOrGoBeyondAsciiAreStoredAndFoundVerbatim()
    {
        string[] names =
        [
            "' or '1'='1", "admin'--", "\"; drop table users; --", "x' union select password_hash from users --",
            "%' or username like '%", "\\'; select sleep(5); --", "back\\slash", "ünïcødé", "漢字", "emoji 🎉", "tab\tinside",
        ];
        foreach (var prefix in names)
        {
            var name = $"{prefix} {Guid.NewGuid():N}";
            Assert.Null(await Store.FindByUsernameAsync(name, None));

            var created = await Store.CreateAsync(new NewUser(name, name, "$argon2id$verbatim", User.DefaultRole, _now), None);

            Assert.NotNull(created);
            Assert.Equal(created, await Store.FindByUsernameAsync(name, None));
            Assert.Equal(name, (await Store.FindByIdAsync(created.Id, None))!.Username);
        }
    }

    [Fact]
    public async Task ATakenNameIsNotTakenAgain()
    {
        var first = await CreateAsync();

        var second = await Store.CreateAsync(new NewUser(first.Username.ToUpperInvariant(), first.UsernameNormalized, "$argon2id$second", User.DefaultRole, _now), None);

        Assert.Null(second);
        Assert.Equal(first, await Store.FindByUsernameAsync(first.UsernameNormalized, None));
    }

    [Fact]
    public async Task ATakenIdIsNotTakenAgain()
    {
        var first = await CreateAsync(id: GivenId());
        var (name, normalized) = NewName();

        var second = await Store.CreateAsync(new NewUser(name, normalized, "$argon2id$second", User.DefaultRole, _now) { Id = first.Id }, None);

        Assert.Null(second);
        Assert.Null(await Store.FindByUsernameAsync(normalized, None));
        Assert.Equal(first, await Store.FindByIdAsync(first.Id, None));
    }

    [Fact]
    public async Task AGivenIdIsKeptAndLaterUsersAreNumberedPastIt()
    {
        var id = GivenId();

        var imported = await CreateAsync(id: id);
        var later = await CreateAsync();

        Assert.Equal(id, imported.Id);
        Assert.Equal(imported, await Store.FindByIdAsync(id, None));
        Assert.True(later.Id > id, $"{later.Id} is not past {id}");
    }

    [Fact]
    public async Task TheRoleAndTheDisabledFlagOfANewUserAreStored()
    {
        var user = await CreateAsync(role: "admin", disabled: true);

        Assert.Equal("admin", user.Role);
        Assert.True(user.Disabled);
        Assert.Equal(user, await Store.FindByIdAsync(user.Id, None));
        Assert.Equal(user, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
    }

    [Fact]
    public async Task ANameOrIdLookedUpBeforeTheUserExistedIsFoundOnceItDoes()
    {
        var id = GivenId();
        var (name, normalized) = NewName();
        Assert.Null(await Store.FindByIdAsync(id, None));
        Assert.Null(await Store.FindByUsernameAsync(normalized, None));

        var created = await Store.CreateAsync(new NewUser(name, normalized, "$argon2id$later", User.DefaultRole, _now) { Id = id }, None);

        Assert.NotNull(created);
        Assert.Equal(created, await Store.FindByIdAsync(id, None));
        Assert.Equal(created, await Store.FindByUsernameAsync(normalized, None));
    }

    [Fact]
    public async Task ANewPasswordHashIsReadAtOnceAndOnlyAChangeMovesPasswordChangedAt()
    {
        var user = await CreateAndReadAsync();
        var (rehashedAt, changedAt) = (_now.AddSeconds(1), _now.AddSeconds(2));

        // A rehash on login (an imported or outdated hash) is not a password change.
        await Store.UpdatePasswordHashAsync(user.Id, "$argon2id$rehashed", passwordChanged: false, rehashedAt, None);
        var rehashed = user with { UpdatedAt = rehashedAt };
        Assert.Equal(rehashed, await Store.FindByIdAsync(user.Id, None));
        Assert.Equal(rehashed, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
        Assert.Equal("$argon2id$rehashed", (await Store.ReadCredentialsAsync(user.Id, None))!.PasswordHash);

        await Store.UpdatePasswordHashAsync(user.Id, "$argon2id$changed", passwordChanged: true, changedAt, None);
        var changed = user with { UpdatedAt = changedAt, PasswordChangedAt = changedAt };
        Assert.Equal(changed, await Store.FindByIdAsync(user.Id, None));
        Assert.Equal(changed, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
        Assert.Equal("$argon2id$changed", (await Store.ReadCredentialsAsync(user.Id, None))!.PasswordHash);
    }

    [Fact]
    public async Task DisablingAndEnablingIsReadAtOnce()
    {
        var user = await CreateAndReadAsync();
        var (disabledAt, enabledAt) = (_now.AddSeconds(1), _now.AddSeconds(2));

        await Store.SetDisabledAsync(user.Id, true, disabledAt, None);
        Assert.Equal(user with { Disabled = true, UpdatedAt = disabledAt }, await Store.FindByIdAsync(user.Id, None));
        Assert.Equal(user with { Disabled = true, UpdatedAt = disabledAt }, await Store.FindByUsernameAsync(user.UsernameNormalized, None));

        await Store.SetDisabledAsync(user.Id, false, enabledAt, None);
        Assert.Equal(user with { UpdatedAt = enabledAt }, await Store.FindByIdAsync(user.Id, None));
    }

    [Fact]
    public async Task ADeletedUserIsFoundNeitherByIdNorByNameAndItsNameIsFreeAgain()
    {
        var user = await CreateAndReadAsync();

        await Store.DeleteAsync(user, None);

        Assert.Null(await Store.FindByIdAsync(user.Id, None));
        Assert.Null(await Store.FindByUsernameAsync(user.UsernameNormalized, None));
        var again = await Store.CreateAsync(new NewUser(user.Username, user.UsernameNormalized, "$argon2id$again", User.DefaultRole, _now), None);
        Assert.NotNull(again);
        Assert.NotEqual(user.Id, again.Id);
        Assert.Equal(again, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
    }

    [Fact]
    public async Task ParallelCreatesOfOneNameCreateOneUser()
    {
        var (_, normalized) = NewName();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await Store.CreateAsync(new NewUser($"{normalized}-{i}", normalized, $"$argon2id${i}", User.DefaultRole, _now), None);
        })).ToList();
        start.SetResult();

        var created = Assert.Single((await Task.WhenAll(creates)).OfType<User>());

        Assert.Equal(created, await Store.FindByUsernameAsync(normalized, None));
    }

    /// <summary>Ids of a band no other suite gives (the database numbers from 1; imports use 1 to 3 · 10¹³).</summary>
    private static long GivenId() => 40_000_000_000_000L + RandomNumberGenerator.GetInt32(1, int.MaxValue);

    private static (string Name, string Normalized) NewName()
    {
        var name = $"Contract-{Guid.NewGuid():N}";
        return (name, name.ToLowerInvariant());
    }

    private async Task<User> CreateAsync(long? id = null, string role = User.DefaultRole, bool disabled = false)
    {
        var (name, normalized) = NewName();
        var created = await Store.CreateAsync(new NewUser(name, normalized, "$argon2id$original", role, _now) { Id = id, Disabled = disabled }, None);
        Assert.NotNull(created);
        return created;
    }

    /// <summary>A new user, read once by id and once by name: whatever caches the store has now hold it.</summary>
    private async Task<User> CreateAndReadAsync()
    {
        var user = await CreateAsync();
        Assert.Equal(user, await Store.FindByIdAsync(user.Id, None));
        Assert.Equal(user, await Store.FindByUsernameAsync(user.UsernameNormalized, None));
        return user;
    }
}
