using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Users;

namespace UserApi.Hosting.Cli;

/// <summary>
/// <c>user-api disable|enable|delete USERNAME</c>. Disabling or deleting ends the account's sessions on
/// every instance: at once through Redis in production mode; in embedded mode the running server reads the change
/// from the <c>user_changes</c> table within about a second (<see cref="EmbeddedChangeWatcher"/>).
/// </summary>
public static class UserCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string command, string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            Console.Error.WriteLine($"usage: user-api {command} USERNAME [-f etc/user-api.yaml]");
            return 2;
        }
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        var administration = services.GetRequiredService<UserAdministration>();
        var result = command switch
        {
            "delete" => await administration.DeleteAsync(username, CancellationToken.None),
            _ => await administration.SetDisabledAsync(username, command == "disable", CancellationToken.None),
        };
        if (result.Failure is not null)
        {
            Console.Error.WriteLine($"No user named '{username}'.");
            return 1;
        }
        Console.WriteLine($"User {result.Value!.Id} ({result.Value.Username}): {command}d{(command == "enable" ? "" : "; its sessions are ended")}.");
        return 0;
    }
}
