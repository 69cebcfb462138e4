using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Users;

namespace UserApi.Hosting.Cli;

/// <summary>
/// <c>user-api import FILE</c> (or <c>-</c> for standard input): users of another system, one JSON object a
/// line (<c>{"id":1,"username":"alice","passwordHash":"$2a$10$…","role":"user"}</c>). Exit code 0 when no
/// line was refused; users already present count as done, so a run can be repeated.
/// </summary>
public static class ImportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            Console.Error.WriteLine("usage: user-api import FILE|- [-f etc/user-api.yaml]   (one JSON object a line: id, username, passwordHash, role, disabled)");
            return 2;
        }
        if (file != "-" && !File.Exists(file))
        {
            Console.Error.WriteLine($"{file}: no such file.");
            return 2;
        }
        await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
        using var input = file == "-" ? Console.In : new StreamReader(file);
        var summary = await services.GetRequiredService<UserImport>().ImportJsonLinesAsync(input, Console.Error, CancellationToken.None);
        Console.WriteLine($"{(file == "-" ? "standard input" : file)}: {summary.Imported} imported, {summary.AlreadyPresent} already present, {summary.Refused} refused.");
        return summary.Refused == 0 ? 0 : 1;
    }
}
