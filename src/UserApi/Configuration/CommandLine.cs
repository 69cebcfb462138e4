namespace UserApi.Configuration;

/// <summary>
/// go-zero's command line: <c>user-api [migrate] [-f etc/user-api.yaml] [--Key=Value ...]</c>.
/// Whatever is not <c>-f</c> or the command is left for ASP.NET Core's command-line configuration.
/// </summary>
public sealed record CommandLine(string ConfigFile, bool ConfigFileGiven, string? Command, string[] Rest)
{
    public const string DefaultConfigFile = "etc/user-api.yaml";

    public static readonly string[] Commands = ["serve", "migrate"];

    public static CommandLine Parse(string[] args)
    {
        string? file = null;
        string? command = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-f" or "--f" && i + 1 < args.Length)
            {
                file = args[++i];
            }
            else if (arg.StartsWith("-f=", StringComparison.Ordinal))
            {
                file = arg[3..];
            }
            else if (command is null && rest.Count == 0 && Commands.Contains(arg))
            {
                command = arg;
            }
            else
            {
                rest.Add(arg);
            }
        }
        return new CommandLine(file ?? DefaultConfigFile, file is not null, command, [.. rest]);
    }
}
