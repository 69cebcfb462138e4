using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Users;

namespace UserApi.Hosting.Cli;

/// <summary>
/// <c>user-api disable|enable|delete USERNAME</c>, <c>user-api user add USERNAME [--role ROLE]</c> and
/// <c>user-api user set-role USERNAME ROLE</c>: the admin API's <see cref="UserAdministration"/>, by name, with no
/// actor. Disabling or deleting ends the account's sessions on every instance: at once through Redis in production
/// mode; in embedded mode the running server reads the change from the <c>user_changes</c> table within about a
/// second (<see cref="EmbeddedChangeWatcher"/>).
/// </summary>
public static class UserCommand
{
    private const string UserUsage = "usage: user-api user add USERNAME [--role ROLE] (password on standard input) | user-api user set-role USERNAME ROLE";

    public static async Task<int> RunAsync(IServiceProvider services, string command, string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            Console.Error.WriteLine($"usage: user-api {command} USERNAME [-f etc/user-api.yaml]");
            return 2;
        }
        var administration = await PrepareAsync(services);
        User? user;
        if (command == "delete")
        {
            user = (await administration.DeleteAsync(username, CancellationToken.None)).Value;
        }
        else
        {
            user = (await administration.SetDisabledAsync(username, command == "disable", CancellationToken.None)).Value?.User;
        }
        if (user is null)
        {
            return NoSuchUser(username);
        }
        Console.WriteLine($"User {user.Id} ({user.Username}): {command}d{(command == "enable" ? "" : "; its sessions are ended")}.");
        return 0;
    }

    /// <summary>
    /// <c>user add</c> reads the password from standard input (its first line), never from an argument: arguments are
    /// visible to every user of the machine (<c>ps</c>, <c>/proc/PID/cmdline</c>) and kept in shell histories.
    /// </summary>
    public static async Task<int> RunUserAsync(IServiceProvider services, IReadOnlyList<string> operands, string? role, TextReader input)
    {
        switch (operands)
        {
            case ["add", var username]:
            {
                var password = await input.ReadLineAsync();
                var administration = await PrepareAsync(services);
                var created = await administration.CreateAsync(username, password, role, null, CancellationToken.None);
                if (created.Failure is { } failure)
                {
                    return Refused(failure);
                }
                Console.WriteLine($"User {created.Value!.User.Id} ({created.Value.User.Username}) created with role {created.Value.User.Role}.");
                return 0;
            }
            case ["set-role", var username, var newRole]:
            {
                var updated = await (await PrepareAsync(services)).SetRoleAsync(username, newRole, CancellationToken.None);
                if (updated.Failure is { } failure)
                {
                    return failure == Failure.UserNotFound ? NoSuchUser(username) : Refused(failure);
                }
                Console.WriteLine($"User {updated.Value!.User.Id} ({updated.Value.User.Username}): role {newRole}.");
                return 0;
            }
            default:
                Console.Error.WriteLine(UserUsage);
                return 2;
        }
    }

    private static async Task<UserAdministration> PrepareAsync(IServiceProvider services)
    {
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        return services.GetRequiredService<UserAdministration>();
    }

    private static int NoSuchUser(string username)
    {
        Console.Error.WriteLine($"No user named '{username}'.");
        return 1;
    }

    private static int Refused(Failure failure)
    {
        var details = failure.Errors is null ? "" : ": " + string.Join(" ", failure.Errors.Values.SelectMany(v => v));
        Console.Error.WriteLine($"{failure.Title}{details}");
        return 1;
    }
}
